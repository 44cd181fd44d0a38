/* service_win32.c - centrallogd under the Windows Service Control Manager.
 *
 * --install-service registers this executable with --service and the
 * operator's other options as the service's command line; the SCM then
 * starts it at boot as NT AUTHORITY\LocalService. Under --service the
 * collector runs exactly as in a console (cl_daemon_run), but stop requests
 * come from the SCM instead of Ctrl-C, and stderr goes to a file in the data
 * directory because a service has no console. */
#include "service.h"

#include <windows.h>

#include <aclapi.h>
#include <errno.h>
#include <share.h>
#include <shlobj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmdline.h"
#include "daemon.h"
#include "fsutil.h"
#include "strbuf.h"
#include "wstr.h"

#define SERVICE_NAME_W L"CentralLog"
#define SERVICE_DISPLAY_W L"CentralLog collector"
/* Least privilege: a local account with no network identity and the rights
 * of an ordinary user; the collector only needs its pipe and its files. */
#define DEFAULT_ACCOUNT "NT AUTHORITY\\LocalService"
#define RESTART_DELAY_MS 5000
#define FAILURE_RESET_S (24 * 3600)
#define PENDING_WAIT_HINT_MS 5000
#define UNINSTALL_STOP_WAIT_MS 60000

/* ---- strings: UTF-8 inside, wide for Win32 (wstr.h) ---- */

/* Windows' text for error e, in UTF-8, with its number. */
static const char *win_error(DWORD e, char *buf, size_t n)
{
    wchar_t w[512];
    DWORD len = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e,
                               0, w, 512, NULL);
    char *text;

    while (len > 0 &&
           (w[len - 1] == L'\r' || w[len - 1] == L'\n' || w[len - 1] == L'.' || w[len - 1] == L' '))
        w[--len] = L'\0';
    text = len > 0 ? cl_utf8(w) : NULL;
    snprintf(buf, n, "%s (error %lu)", text ? text : "Windows error", (unsigned long)e);
    free(text);
    return buf;
}

static void append_backslashes(cl_strbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cl_strbuf_putc(b, '\\');
}

/* One argument, preceded by a space, quoted so that CommandLineToArgvW (which
 * cl_args_utf8 uses) gives it back unchanged: backslashes are literal except
 * before a quote, so those and the ones before the closing quote double. */
static void append_arg(cl_strbuf *b, const char *arg)
{
    cl_strbuf_putc(b, ' ');
    if (arg[0] != '\0' && strpbrk(arg, " \t\n\v\"") == NULL) {
        cl_strbuf_puts(b, arg);
        return;
    }
    cl_strbuf_putc(b, '"');
    for (const char *p = arg;; p++) {
        size_t bs = 0;

        while (*p == '\\') {
            p++;
            bs++;
        }
        if (*p == '\0') {
            append_backslashes(b, bs * 2);
            break;
        }
        append_backslashes(b, *p == '"' ? bs * 2 + 1 : bs);
        cl_strbuf_putc(b, *p);
    }
    cl_strbuf_putc(b, '"');
}

/* ---- install ---- */

/* A service starts in %SystemRoot%\system32, so every path the operator
 * gave relative to the current directory is made absolute now. */
static char *absolute_path(const char *path)
{
    wchar_t *w = cl_wide(path), full[MAX_PATH * 8];
    DWORD n = w ? GetFullPathNameW(w, MAX_PATH * 8, full, NULL) : 0;

    free(w);
    return n > 0 && n < MAX_PATH * 8 ? cl_utf8(full) : NULL;
}

static int is_path_option(const char *name, size_t len)
{
    static const char *const paths[] = { "data-dir", "db", "log-file", "config" };

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (strlen(paths[i]) == len && strncmp(name, paths[i], len) == 0)
            return 1;
    }
    return 0;
}

/* The data directory of the service: the one given, or
 * %ProgramData%\CentralLog (resolved now: the service's environment is not
 * the installer's). */
static char *service_data_dir(const cl_config *cfg)
{
    wchar_t *known = NULL;
    char *base = NULL, *dir;
    size_t n;

    if (cfg->data_dir_given)
        return absolute_path(cfg->data_dir);
    if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &known) == S_OK)
        base = cl_utf8(known);
    CoTaskMemFree(known);
    if (base == NULL && cl_getenv("PROGRAMDATA") != NULL)
        base = _strdup(cl_getenv("PROGRAMDATA"));
    if (base == NULL)
        return NULL;
    n = strlen(base) + sizeof "\\" CL_SERVICE_NAME;
    if ((dir = malloc(n)) != NULL)
        snprintf(dir, n, "%s\\" CL_SERVICE_NAME, base);
    free(base);
    return dir;
}

/* "C:\...\centrallogd.exe" --service [--data-dir DIR] OPTIONS: the options
 * of argv without the install ones, paths absolute. --data-dir comes first
 * so that a service whose later options fail still knows where to say so. */
static int service_command_line(const cl_config *cfg, int argc, char **argv, const char *data_dir,
                                cl_strbuf *b)
{
    wchar_t exe[MAX_PATH * 8];
    DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH * 8);
    char *exe8 = n > 0 && n < MAX_PATH * 8 ? cl_utf8(exe) : NULL;
    int rc = 0;

    if (exe8 == NULL)
        return -1;
    /* The image path is always quoted: unquoted, "C:\Program Files\..." would
     * let C:\Program.exe run as the service. */
    cl_strbuf_printf(b, "\"%s\" --service", exe8);
    free(exe8);
    if (!cfg->data_dir_given) {
        append_arg(b, "--data-dir");
        append_arg(b, data_dir);
    }
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *name = argv[i] + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        char opt[32], *abs;

        if (strcmp(argv[i], "--install-service") == 0)
            continue;
        if (strncmp(name, "service-account", len) == 0 && len == strlen("service-account")) {
            i += eq ? 0 : 1;
            continue;
        }
        if (!is_path_option(name, len) || (eq == NULL && i + 1 >= argc)) {
            append_arg(b, argv[i]);
            continue;
        }
        snprintf(opt, sizeof opt, "--%.*s", (int)len, name);
        abs = absolute_path(eq ? eq + 1 : argv[++i]);
        append_arg(b, opt);
        if (abs != NULL)
            append_arg(b, abs);
        else
            rc = -1;
        free(abs);
    }
    return rc != 0 || b->oom ? -1 : 0;
}

/* Lets the service's account modify its data directory, which the
 * elevated installer creates (and so owns). The default account is named
 * by its well-known SID, which needs no lookup. */
static DWORD grant_data_dir(const char *dir, const char *account)
{
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD sid_len = sizeof sid, e;
    EXPLICIT_ACCESSW ea;
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL old = NULL, acl = NULL;
    wchar_t *wdir = cl_wide(dir), *wacct = cl_wide(account);

    memset(&ea, 0, sizeof ea);
    ea.grfAccessPermissions =
        FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE;
    ea.grfAccessMode = GRANT_ACCESS;
    ea.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
    if (_stricmp(account, DEFAULT_ACCOUNT) == 0 &&
        CreateWellKnownSid(WinLocalServiceSid, NULL, sid, &sid_len)) {
        ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
        ea.Trustee.ptstrName = (LPWSTR)sid;
    } else {
        ea.Trustee.TrusteeForm = TRUSTEE_IS_NAME;
        ea.Trustee.ptstrName = wacct;
    }
    if (wdir == NULL || wacct == NULL)
        e = ERROR_NOT_ENOUGH_MEMORY;
    else
        e = GetNamedSecurityInfoW(wdir, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &old,
                                  NULL, &sd);
    if (e == ERROR_SUCCESS)
        e = SetEntriesInAclW(1, &ea, old, &acl);
    if (e == ERROR_SUCCESS)
        e = SetNamedSecurityInfoW(wdir, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, acl,
                                  NULL);
    LocalFree(acl);
    LocalFree(sd);
    free(wdir);
    free(wacct);
    return e;
}

/* Description and recovery: restart after 5 s, twice, also when the
 * collector stops with an error rather than crashing; a day without
 * failures resets the count. Failing here leaves a working service, so
 * these are warnings. */
static void configure_service(SC_HANDLE svc, const cl_config *cfg)
{
    SC_ACTION actions[3] = { { SC_ACTION_RESTART, RESTART_DELAY_MS },
                             { SC_ACTION_RESTART, RESTART_DELAY_MS },
                             { SC_ACTION_NONE, 0 } };
    SERVICE_FAILURE_ACTIONSW fa = { FAILURE_RESET_S, NULL, NULL, 3, actions };
    SERVICE_FAILURE_ACTIONS_FLAG flag = { TRUE };
    SERVICE_DESCRIPTIONW desc;
    char text[4600], msg[600];
    wchar_t *wtext;

    snprintf(text, sizeof text,
             "Receives structured log entries from local applications on %s and stores them "
             "in an SQLite database and a rotating text log.",
             cfg->address);
    wtext = cl_wide(text);
    desc.lpDescription = wtext;
    if (wtext == NULL || !ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc))
        fprintf(stderr, "centrallogd: warning: cannot set the description: %s\n",
                win_error(GetLastError(), msg, sizeof msg));
    free(wtext);
    if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa))
        fprintf(stderr, "centrallogd: warning: cannot set the recovery actions: %s\n",
                win_error(GetLastError(), msg, sizeof msg));
    else if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag))
        fprintf(stderr, "centrallogd: warning: cannot have errors restart the service: %s\n",
                win_error(GetLastError(), msg, sizeof msg));
}

static int scm_failed(const char *what, DWORD e)
{
    char msg[600];

    if (e == ERROR_ACCESS_DENIED)
        fprintf(stderr,
                "centrallogd: %s: access denied; run from an elevated prompt "
                "(Run as administrator)\n",
                what);
    else
        fprintf(stderr, "centrallogd: %s: %s\n", what, win_error(e, msg, sizeof msg));
    return 1;
}

static int create_service(const cl_config *cfg, const char *account, const char *cmdline)
{
    wchar_t *wcmd = cl_wide(cmdline), *wacct = cl_wide(account);
    SC_HANDLE scm = NULL, svc = NULL;
    DWORD e = ERROR_NOT_ENOUGH_MEMORY;

    if (wcmd != NULL && wacct != NULL)
        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
    if (scm != NULL)
        /* No password: built-in and virtual accounts have none. */
        svc = CreateServiceW(scm, SERVICE_NAME_W, SERVICE_DISPLAY_W,
                             SERVICE_CHANGE_CONFIG | SERVICE_START | SERVICE_QUERY_STATUS,
                             SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                             wcmd, NULL, NULL, NULL, wacct, NULL);
    if (svc == NULL && (wcmd != NULL && wacct != NULL))
        e = GetLastError();
    free(wcmd);
    free(wacct);
    if (svc == NULL) {
        if (scm != NULL)
            CloseServiceHandle(scm);
        if (e == ERROR_SERVICE_EXISTS || e == ERROR_DUPLICATE_SERVICE_NAME) {
            fprintf(stderr, "centrallogd: the service " CL_SERVICE_NAME " is already installed; "
                            "remove it first with --uninstall-service\n");
            return 1;
        }
        return scm_failed(scm ? "cannot create the service " CL_SERVICE_NAME
                              : "cannot open the Service Control Manager",
                          e);
    }
    configure_service(svc, cfg);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return 0;
}

/* The data directory, created now and opened to the service's account:
 * created by an administrator, it would be closed to that account. Failing
 * here leaves a service that may still work (the directory may be open to
 * it already), so this warns. */
static void prepare_data_dir(const char *dir, const char *account)
{
    char file[4200], msg[600];
    DWORD e;

    snprintf(file, sizeof file, "%s\\" CL_SERVICE_ERR_FILE, dir);
    if (cl_mkdir_parents(file, 0750) != 0)
        fprintf(stderr, "centrallogd: warning: cannot create %s: %s\n", dir, strerror(errno));
    else if ((e = grant_data_dir(dir, account)) != ERROR_SUCCESS)
        fprintf(stderr,
                "centrallogd: warning: cannot give %s write access to %s: %s; grant it "
                "with icacls\n",
                account, dir, win_error(e, msg, sizeof msg));
}

int cl_service_install(const cl_config *cfg, int argc, char **argv)
{
    const char *account = cfg->service_account[0] ? cfg->service_account : DEFAULT_ACCOUNT;
    char *dir = service_data_dir(cfg);
    cl_strbuf cmd = CL_STRBUF_INIT;
    int rc = 1;

    if (dir == NULL || service_command_line(cfg, argc, argv, dir, &cmd) != 0) {
        fprintf(stderr, "centrallogd: cannot build the service's command line\n");
        goto out;
    }
    if (create_service(cfg, account, cmd.p) != 0)
        goto out;
    prepare_data_dir(dir, account);
    printf("Installed the service " CL_SERVICE_NAME " (automatic start, account %s):\n"
           "  %s\n"
           "Data directory: %s (the service's messages: %s\\" CL_SERVICE_ERR_FILE ")\n"
           "Start it now with: sc start " CL_SERVICE_NAME " (or: net start " CL_SERVICE_NAME ")\n",
           account, cmd.p, dir, dir);
    rc = 0;
out:
    free(dir);
    cl_strbuf_free(&cmd);
    return rc;
}

/* ---- uninstall ---- */

/* Asks a running service to stop and waits, bounded: the collector commits
 * what producers sent first, up to its --shutdown-timeout. Returns 0 once
 * stopped, 1 if still stopping, -1 with GetLastError on failure. */
static int stop_and_wait(SC_HANDLE svc)
{
    SERVICE_STATUS st;
    int64_t deadline = cl_mono_ms() + UNINSTALL_STOP_WAIT_MS;

    if (!QueryServiceStatus(svc, &st))
        return -1;
    if (st.dwCurrentState == SERVICE_STOPPED)
        return 0;
    if (st.dwCurrentState != SERVICE_STOP_PENDING &&
        !ControlService(svc, SERVICE_CONTROL_STOP, &st) &&
        GetLastError() != ERROR_SERVICE_NOT_ACTIVE)
        return -1;
    printf("Stopping the service " CL_SERVICE_NAME "...\n");
    fflush(stdout);
    while (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED) {
        if (cl_mono_ms() > deadline)
            return 1;
        Sleep(200);
    }
    return 0;
}

int cl_service_uninstall(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc;
    char msg[600];
    int stopped, rc = 1;

    if (scm == NULL)
        return scm_failed("cannot open the Service Control Manager", GetLastError());
    svc = OpenServiceW(scm, SERVICE_NAME_W, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    if (svc == NULL) {
        if (GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST)
            fprintf(stderr, "centrallogd: the service " CL_SERVICE_NAME " is not installed\n");
        else
            scm_failed("cannot open the service " CL_SERVICE_NAME, GetLastError());
        CloseServiceHandle(scm);
        return 1;
    }
    stopped = stop_and_wait(svc);
    if (stopped < 0)
        fprintf(stderr, "centrallogd: warning: cannot stop the service: %s\n",
                win_error(GetLastError(), msg, sizeof msg));
    if (!DeleteService(svc)) {
        scm_failed("cannot remove the service " CL_SERVICE_NAME, GetLastError());
    } else if (stopped != 0) {
        printf("The service " CL_SERVICE_NAME " is still stopping; Windows removes it once it "
               "has stopped.\n");
        rc = 0;
    } else {
        printf("Removed the service " CL_SERVICE_NAME
               ". Its data directory and " CL_SERVICE_ERR_FILE " are left in place.\n");
        rc = 0;
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return rc;
}

/* ---- running under the SCM ---- */

/* The SCM calls service_main and on_control on threads of its own; the
 * status and the server they share are guarded by g_lock (a critical
 * section, so report() may be called with it held). */
static CRITICAL_SECTION g_lock;
static SERVICE_STATUS_HANDLE g_handle;
static SERVICE_STATUS g_status;
static cl_server *g_server;
static const cl_config *g_cfg;
static const char *g_config_err;
static int g_exit;

/* exit_status is centrallogd's (1 failure, 2 configuration): the SCM shows
 * it as a service-specific error. Pending states count checkpoints up. */
static void report(DWORD state, int exit_status)
{
    EnterCriticalSection(&g_lock);
    g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    g_status.dwControlsAccepted =
        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    g_status.dwWin32ExitCode = exit_status ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
    g_status.dwServiceSpecificExitCode = (DWORD)exit_status;
    if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING) {
        g_status.dwCheckPoint = g_status.dwCurrentState == state ? g_status.dwCheckPoint + 1 : 1;
        g_status.dwWaitHint = PENDING_WAIT_HINT_MS;
    } else {
        g_status.dwCheckPoint = 0;
        g_status.dwWaitHint = 0;
    }
    g_status.dwCurrentState = state;
    SetServiceStatus(g_handle, &g_status);
    LeaveCriticalSection(&g_lock);
}

/* Starting (opening or migrating a large database) and draining can take
 * longer than one wait hint: while either lasts, tell the SCM every second
 * that the service is still making progress. */
static DWORD WINAPI heartbeat(void *done)
{
    while (WaitForSingleObject(done, 1000) == WAIT_TIMEOUT) {
        EnterCriticalSection(&g_lock);
        if (g_status.dwCurrentState == SERVICE_START_PENDING ||
            g_status.dwCurrentState == SERVICE_STOP_PENDING)
            report(g_status.dwCurrentState, 0);
        LeaveCriticalSection(&g_lock);
    }
    return 0;
}

/* Stop and shutdown take the path of Ctrl-C in a console: the server stops
 * accepting, reads what producers sent, commits it, then returns. */
static DWORD WINAPI on_control(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        EnterCriticalSection(&g_lock);
        if (g_server != NULL && g_status.dwCurrentState == SERVICE_RUNNING) {
            cl_server_request_stop(g_server);
            report(SERVICE_STOP_PENDING, 0);
        }
        LeaveCriticalSection(&g_lock);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* cl_daemon_run's hook: the server listens (RUNNING), or has stopped. */
static void attach_service(void *arg, cl_server *srv)
{
    (void)arg;
    EnterCriticalSection(&g_lock);
    g_server = srv;
    if (srv != NULL)
        report(SERVICE_RUNNING, 0);
    LeaveCriticalSection(&g_lock);
}

/* A service has no console, and the C runtime's stderr has no descriptor
 * to reopen (freopen refuses it under Wine): the collector's messages go to
 * the data directory's centrallogd.err instead, appended, in UTF-8,
 * unbuffered so that nothing is lost when the SCM ends the process, and
 * shared so that an operator can read it while the service runs. */
static FILE *open_err_file(const char *data_dir)
{
    char path[4200];
    wchar_t *w;
    FILE *f;
    SYSTEMTIME t;

    snprintf(path, sizeof path, "%s\\" CL_SERVICE_ERR_FILE, data_dir);
    cl_mkdir_parents(path, 0750);
    w = cl_wide(path);
    f = w ? _wfsopen(w, L"ab", _SH_DENYNO) : NULL;
    free(w);
    if (f == NULL)
        return NULL;
    setvbuf(f, NULL, _IONBF, 0);
    GetSystemTime(&t);
    fprintf(f,
            "centrallogd: service " CL_SERVICE_NAME " starting, pid %lu, %04u-%02u-%02uT"
            "%02u:%02u:%02uZ\n",
            (unsigned long)GetCurrentProcessId(), t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute,
            t.wSecond);
    return f;
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    cl_daemon_host host = { attach_service, NULL,
                            "Stop with: sc stop " CL_SERVICE_NAME
                            " (everything received is committed first).",
                            NULL };
    HANDLE done, beat;

    (void)argc;
    (void)argv;
    /* Opened first, before anything can fail. Without it (the directory
     * cannot be created or written) the exit code still says what ended the
     * service; a stream on the null device keeps the code simple. */
    host.err = open_err_file(g_cfg->data_dir);
    if (host.err == NULL)
        host.err = fopen("NUL", "w");
    g_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME_W, on_control, NULL);
    if (g_handle == NULL) {
        g_exit = 1;
        return;
    }
    report(SERVICE_START_PENDING, 0);
    done = CreateEventW(NULL, TRUE, FALSE, NULL);
    beat = done ? CreateThread(NULL, 0, heartbeat, done, 0, NULL) : NULL;
    if (host.err == NULL) {
        g_exit = 1;
    } else if (g_config_err != NULL) {
        fprintf(host.err, "centrallogd: %s\n", g_config_err);
        g_exit = 2;
    } else {
        g_exit = cl_daemon_run(g_cfg, &host);
    }
    if (beat != NULL) {
        SetEvent(done);
        WaitForSingleObject(beat, INFINITE);
        CloseHandle(beat);
    }
    if (done != NULL)
        CloseHandle(done);
    if (host.err != NULL)
        fclose(host.err);
    report(SERVICE_STOPPED, g_exit);
}

int cl_service_run(const cl_config *cfg, const char *config_err)
{
    SERVICE_TABLE_ENTRYW table[] = { { (LPWSTR)SERVICE_NAME_W, service_main }, { NULL, NULL } };
    char msg[600];

    g_cfg = cfg;
    g_config_err = config_err;
    InitializeCriticalSection(&g_lock);
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD e = GetLastError();

        if (e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            fprintf(stderr, "centrallogd: --service is for the Service Control Manager, which "
                            "starts the installed service (sc start " CL_SERVICE_NAME
                            "); to run in this console, leave --service out\n");
            return 2;
        }
        fprintf(stderr, "centrallogd: cannot connect to the Service Control Manager: %s\n",
                win_error(e, msg, sizeof msg));
        return 1;
    }
    return g_exit;
}
