# bash completion for centrallog(1)                          -*- shell-script -*-
#
# Installed as share/bash-completion/completions/centrallog, where
# bash-completion loads it on the first <Tab> after `centrallog`; or source it.
# It needs nothing from bash-completion itself.
#
# Commands and options are read from the program's own --help (the same
# binary being completed), so they follow it; level names, output formats
# and the like are the values the CLI accepts; app names come from the
# database (`centrallog stats --top 0 -o json`, honouring a --db or
# --address already on the command line).

# The option names a --help text lists: the term of each option line (an
# indented line starting with '-', up to two spaces) and the usage lines.
_centrallog_help_options()
{
    "$@" --help 2>/dev/null |
        sed -n -e 's/^Usage:\(.*\)$/\1/p' \
            -e 's/^[[:space:]]\{1,\}\(-[^[:space:]].*\)$/\1/p' |
        sed -e 's/  .*$//' |
        grep -o -e '\(^\|[^[:alnum:]-]\)--\{0,1\}[[:alpha:]][[:alnum:]-]*' |
        sed -e 's/^[^-]*//' | LC_ALL=C sort -u
}

# The options of a --help text that take a value: in an option line's term
# ("-S, --since TIME", "--utc, --color WHEN"), an option followed by a word
# that is not an option, with the short forms just before it; in a usage
# line, "[-P PRODUCERS]".
_centrallog_value_options()
{
    "$@" --help 2>/dev/null | awk '
        function scan(term,    n, seg, i, k, m, w, pend, np) {
            n = split(term, seg, ",")
            np = 0
            for (i = 1; i <= n; i++) {
                m = split(seg[i], w, " ")
                if (m == 0 || w[1] !~ /^-/)
                    continue
                if (m >= 2 && w[2] !~ /^-/) {
                    print w[1]
                    for (k = 1; k <= np; k++)
                        print pend[k]
                    np = 0
                } else if (w[1] ~ /^-[A-Za-z]$/) {
                    pend[++np] = w[1]
                } else {
                    np = 0
                }
            }
        }
        /^Usage:/ {
            for (i = 2; i < NF; i++) {
                a = $i; b = $(i + 1)
                gsub(/[][]/, "", a); gsub(/[][]/, "", b)
                if (a ~ /^-/ && b ~ /^[A-Z]/)
                    print a
            }
            next
        }
        /^[ \t]+-[^ \t]/ {
            t = $0
            sub(/^[ \t]+/, "", t)
            sub(/  .*/, "", t)
            scan(t)
        }'
}

# The commands of `centrallog --help`.
_centrallog_commands()
{
    "$1" --help 2>/dev/null |
        sed -n -e '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  *.*$/\1/p'
}

# App names (KEY app) or host names (KEY host) in the database, one a line.
_centrallog_names()
{
    local key=$1
    shift
    "$@" stats --top 0 -o json 2>/dev/null |
        grep -o -e "\"$key\":\"[^\"\\\\]*\"" | sed -e "s/^\"$key\":\"//" -e 's/"$//' |
        LC_ALL=C sort -u
}

# The words up to the cursor as the user sees them: bash splits
# "--output=json" into "--output", "=", "json" (COMP_WORDBREAKS has '='), so
# an option and its value written with '=' are joined again, as
# bash-completion's _init_completion -s does. Sets _cl_words.
_centrallog_words()
{
    local line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}} rest w i glued
    _cl_words=()
    for ((i = 0; i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        rest=${line#"${line%%[![:space:]]*}"}
        # Glued to the word before it (no blank between them in the line):
        # an '=' after an option, or the value after "--option=".
        glued=0
        if ((i > 0)) && [[ -n $COMP_LINE && ${#rest} -eq ${#line} ]]; then
            [[ ($w == "=" && ${_cl_words[-1]} == -* && ${_cl_words[-1]} != *=*) ||
                ${_cl_words[-1]} == -*= ]] && glued=1
        fi
        if ((glued)); then
            _cl_words[-1]+=$w
        else
            _cl_words+=("$w")
        fi
        line=${rest#"$w"}
    done
}

# Offers names (one a line on stdin) that start with $cur, each quoted
# (printf %q) so that a name with a space or ';' is inserted as one
# argument, and never through compgen -W, which expands each word ($(...),
# backticks: a command run in this shell). Any producer names its app and
# host.
_centrallog_offer_names()
{
    local a
    while IFS= read -r a; do
        [[ $a == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$a")")
    done
}

# The reason codes, as the CLI names them when refusing an unknown one.
_centrallog_reasons()
{
    "$1" rejects --reason '?' 2>&1 >/dev/null | sed -n -e 's/.*use one of //p' |
        sed -e 's/, /\n/g'
}

# With COMP_WORDBREAKS lacking '=', the word replaced is "--option=VALUE":
# put "--option=" ($1) back before each value offered.
_centrallog_prefix()
{
    [[ -n $1 ]] || return 0
    local i
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]=$1${COMPREPLY[i]}
    done
}

_centrallog()
{
    local cur prev exe cmd="" i w eq=""
    local -a global=() _cl_words
    _centrallog_words
    cur=${_cl_words[-1]}
    prev=""
    ((${#_cl_words[@]} > 1)) && prev=${_cl_words[-2]}
    exe=${COMP_WORDS[0]}
    COMPREPLY=()
    # "--option=VALUE": complete VALUE as after "--option VALUE". Readline
    # replaces only what follows the '=' unless COMP_WORDBREAKS lacks it.
    if [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
        [[ $COMP_WORDBREAKS == *=* ]] || eq=$prev=
    fi

    # The command, and the global options that choose the database or the
    # collector (used to read app names).
    local -a cmds
    mapfile -t cmds < <(_centrallog_commands "$exe")
    for ((i = 1; i < ${#_cl_words[@]} - 1; i++)); do
        w=${_cl_words[i]}
        case $w in
        --db | --address)
            global+=("$w" "${_cl_words[i + 1]}")
            ((i++))
            continue
            ;;
        --db=* | --address=*)
            global+=("$w")
            continue
            ;;
        esac
        if [[ -z $cmd && $w != -* ]]; then
            local c
            for c in "${cmds[@]}"; do
                [[ $w == "$c" ]] && cmd=$c
            done
        fi
    done

    case $prev in
    -p | --level)
        COMPREPLY=($(compgen -W "emergency alert critical error warning notice info debug trace" \
            -- "$cur"))
        _centrallog_prefix "$eq"
        return 0
        ;;
    -t | --app)
        _centrallog_offer_names < <(_centrallog_names app "$exe" "${global[@]}")
        _centrallog_prefix "$eq"
        return 0
        ;;
    --host)
        _centrallog_offer_names < <(_centrallog_names host "$exe" "${global[@]}")
        _centrallog_prefix "$eq"
        return 0
        ;;
    -F | --field-values)
        # As journalctl -F completes field names: those in use (-N).
        _centrallog_offer_names < <("$exe" "${global[@]}" query -N --no-pager 2>/dev/null)
        _centrallog_prefix "$eq"
        return 0
        ;;
    -o | --output)
        case $cmd in
        "" | query | tail | rejects)
            COMPREPLY=($(compgen -W "short short-iso short-precise short-iso-precise short-unix short-full verbose export json json-pretty ndjson csv cat" -- "$cur"))
            ;;
        *)
            COMPREPLY=($(compgen -W "text json" -- "$cur"))
            ;;
        esac
        _centrallog_prefix "$eq"
        return 0
        ;;
    --color)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        _centrallog_prefix "$eq"
        return 0
        ;;
    --by)
        COMPREPLY=($(compgen -W "minute hour day" -- "$cur"))
        _centrallog_prefix "$eq"
        return 0
        ;;
    --reason)
        COMPREPLY=($(compgen -W "$(_centrallog_reasons "$exe")" -- "$cur"))
        _centrallog_prefix "$eq"
        return 0
        ;;
    --db | --sqlite | --address)
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
        _centrallog_prefix "$eq"
        return 0
        ;;
    -*)
        # Any other option that takes a value (as --help says): nothing to
        # guess. journalctl's bare -n may be followed by an option instead.
        if _centrallog_value_options "$exe" ${cmd:-query} | grep -q -x -F -e "$prev" ||
            _centrallog_value_options "$exe" | grep -q -x -F -e "$prev"; then
            [[ ($prev == -n || $prev == --lines) && $cur == -* ]] || return 0
        fi
        ;;
    esac

    if [[ $cur == -* ]]; then
        local opts
        if [[ -n $cmd ]]; then
            opts="$(_centrallog_help_options "$exe" "$cmd") $(_centrallog_help_options "$exe")"
        else
            opts="$(_centrallog_help_options "$exe" query) $(_centrallog_help_options "$exe")"
        fi
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        # One name once: query's options and the global ones overlap.
        COMPREPLY=($(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u))
        return 0
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "${cmds[*]}" -- "$cur"))
    fi
    return 0
}
complete -F _centrallog centrallog
