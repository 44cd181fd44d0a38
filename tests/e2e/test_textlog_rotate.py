"""End-to-end: the text log's rotation by age and gzip of rotated files.

Asserts:
- --rotate-age 2s: the entries sent before the file's first entry is 2 s old
  stay in it; the first one after goes to a new file. Exactly centrallog.log.1.gz
  (100 lines) and centrallog.log (50 lines), one rotation in stats.
- Compression (the default): every rotated file becomes centrallog.log.N.gz
  (gzip, read back with Python's gzip, CRC checked, and by zgrep), each line
  equal to what was sent and in order; lines across all files == entries sent;
  a .gz keeps the time of its last entry (mtimes ordered like the slots);
  --rotate-keep counts the compressed files (3 of them, nothing else).
- --no-compress: rotated files stay plain (.1, .2, ...), no .gz, same lines.
- What a crash during compression leaves is tidied at start: the temporary
  centrallog.log.gz.tmp is removed, a plain file whose complete .gz sits beside
  it is removed (the .gz kept byte for byte), a plain rotated file is gzipped
  (with --no-compress: left plain, only the tmp and the duplicate go).
- SIGKILL while a rotated 4 MB file is being compressed (its temporary file
  seen), then a restart: every line is in the files exactly once, in order,
  and every rotated file ends gzipped.
"""

import gzip
import os
import random
import shutil
import signal
import subprocess
import time

import cltest
from cltest import check, eq, wait_for

MARK = b"# centrallogd text log (format: text; written by the test), created 2026-12-01T00:00:00.000000Z\n"


def send_all(c, msgs, chunk=500):
    with c.connect() as k:
        for i in range(0, len(msgs), chunk):
            k.send([cltest.entry(m) for m in msgs[i:i + chunk]])
        ack = k.sync(1, timeout=120)
    eq(ack["accepted"], len(msgs), "entries acknowledged")


def file_msgs(path):
    return [cltest.parse_text_line(ln)["msg"]
            for ln in cltest.read_text_file(path).decode("utf-8").splitlines()]


def listing(c):
    base = os.path.basename(c.log)
    return sorted(f for f in os.listdir(os.path.dirname(c.log)) if f.startswith(base))


def test_rotate_age():
    with cltest.Collector("--rotate-age", "2s", "--rotate-size", "64M") as c:
        first = ["age first %03d" % i for i in range(100)]
        second = ["age second %03d" % i for i in range(50)]
        send_all(c, first)
        # The first entry was written before this ack: 2 s from now it is
        # surely 2 s old. Until then the file does not rotate.
        due = time.monotonic() + 2.0
        eq(c.stats()["rotations"], 0, "no rotation before the age")
        time.sleep(max(0.0, due - time.monotonic()) + 0.05)
        send_all(c, second)
        c.wait_compressed(timeout=10)
        eq(listing(c), ["centrallog.log", "centrallog.log.1.gz"], "files after one age rotation")
        eq(file_msgs(c.log + ".1.gz"), first, "the first file: the entries before the age")
        eq(file_msgs(c.log), second, "the new file: the entries after")
        eq(c.stats()["rotations"], 1, "stats rotations")
        c.stop()


def test_gzip_rotations():
    with cltest.Collector("--rotate-size", "8K", "--rotate-keep", "50") as c:
        msgs = ["gzip %05d %s" % (i, "x" * (i % 97)) for i in range(3000)]
        send_all(c, msgs)
        rotations = c.stats()["rotations"]
        check(rotations >= 20, "rotations at 8K", rotations)
        files = c.text_files()  # waits for the compressor
        eq(len(files), rotations + 1, "files: every rotation, plus the live one")
        for i, f in enumerate(files[:-1]):
            eq(f, "%s.%d.gz" % (c.log, rotations - i), "name of rotated file %d" % i)
            with open(f, "rb") as fh:
                eq(fh.read(2), b"\x1f\x8b", "%s starts with gzip's magic" % f)
        check(not os.path.exists(c.log + ".gz.tmp"), "no temporary file left")
        # Every line, decompressed by Python's gzip (which checks the CRC).
        got = []
        for f in files:
            got += file_msgs(f)
        eq(len(got), len(msgs), "lines across all files == entries sent")
        eq(got, msgs, "every line, in order")
        # A .gz keeps the time of its last entry: older slots are older.
        times = [os.stat(f).st_mtime_ns for f in files]
        eq(times, sorted(times), "mtimes in slot order (oldest .N.gz first)")
        # zgrep (what operators use) reads them too.
        if shutil.which("zgrep"):
            out = subprocess.run(["zgrep", "-c", "gzip 00000 ", files[0]], capture_output=True)
            eq(out.stdout.strip(), b"1", "zgrep finds the first entry in the oldest file")
        c.stop()

    # --rotate-keep counts the compressed files.
    with cltest.Collector("--rotate-size", "4K", "--rotate-keep", "3") as c:
        msgs = ["keep %05d %s" % (i, "y" * 60) for i in range(1000)]
        send_all(c, msgs)
        check(c.stats()["rotations"] >= 10, "rotations at 4K")
        c.wait_compressed(timeout=10)
        eq(listing(c), ["centrallog.log", "centrallog.log.1.gz", "centrallog.log.2.gz",
                        "centrallog.log.3.gz"], "three rotated files, all gzipped")
        got = []
        for f in c.text_files():
            got += file_msgs(f)
        eq(got, msgs[-len(got):], "the newest entries, in order")
        c.stop()


def test_no_compress():
    with cltest.Collector("--rotate-size", "8K", "--rotate-keep", "50", "--no-compress") as c:
        msgs = ["plain %05d %s" % (i, "z" * (i % 50)) for i in range(1500)]
        send_all(c, msgs)
        rotations = c.stats()["rotations"]
        check(rotations >= 5, "rotations at 8K", rotations)
        # Give a compressor (there must be none) time to act.
        time.sleep(0.3)
        names = listing(c)
        eq(names, sorted(["centrallog.log"] + ["centrallog.log.%d" % i
                                               for i in range(1, rotations + 1)]),
           "plain rotated files only")
        got = []
        for f in c.text_files():
            got += file_msgs(f)
        eq(got, msgs, "every line, in order")
        c.stop()


def make_crash_leftovers(c):
    """What a SIGKILL during compression can leave, made by hand."""
    os.makedirs(c.dir)
    with open(c.log, "wb") as f:
        f.write(MARK + b"2026-12-01T00:00:03.000000Z h e2e[1] INFO: live 1\n")
    one = MARK + b"2026-12-01T00:00:02.000000Z h e2e[1] INFO: one 1\n"
    two = MARK + b"2026-12-01T00:00:01.000000Z h e2e[1] INFO: two 1\n"
    # Slot 1: compressed and renamed into place, plain not yet removed.
    with open(c.log + ".1", "wb") as f:
        f.write(one)
    with gzip.open(c.log + ".1.gz", "wb") as f:
        f.write(one)
    # Slot 2: never compressed. And a temporary file cut short.
    with open(c.log + ".2", "wb") as f:
        f.write(two)
    with open(c.log + ".gz.tmp", "wb") as f:
        f.write(gzip.compress(two)[:20])
    with open(c.log + ".1.gz", "rb") as f:
        return f.read(), one, two


def test_crash_leftovers_tidied():
    with cltest.Collector(start=False) as c:
        gz1, one, two = make_crash_leftovers(c)
        c.start()
        c.wait_compressed(timeout=10)
        eq(listing(c), ["centrallog.log", "centrallog.log.1.gz", "centrallog.log.2.gz"],
           "tmp and the duplicate plain file gone, slot 2 gzipped")
        with open(c.log + ".1.gz", "rb") as f:
            eq(f.read(), gz1, "the complete .gz of slot 1 kept byte for byte")
        with gzip.open(c.log + ".2.gz", "rb") as f:
            eq(f.read(), two, "slot 2 gzipped, content unchanged")
        c.stop()

    with cltest.Collector("--no-compress", start=False) as c:
        gz1, one, two = make_crash_leftovers(c)
        c.start()
        eq(listing(c), ["centrallog.log", "centrallog.log.1.gz", "centrallog.log.2"],
           "--no-compress: tmp and the duplicate gone, slot 2 left plain")
        with open(c.log + ".2", "rb") as f:
            eq(f.read(), two, "slot 2 untouched")
        c.stop()


def test_kill_during_compression():
    # Hex of pseudo-random bytes compresses slowly (~40 MB/s at level 9):
    # two 4 MB files keep the compressor busy for a good fraction of a second.
    rnd = random.Random(10)
    msgs = ["kill %06d %s" % (i, "%0120x" % rnd.getrandbits(480)) for i in range(56000)]
    with cltest.Collector("--rotate-size", "4M", "--rotate-keep", "50", "--compress", "9",
                          "--rate-limit-burst", "0") as c:
        send_all(c, msgs[:52000], chunk=2000)
        check(c.stats()["rotations"] >= 2, "at least two rotations")
        wait_for(lambda: os.path.exists(c.log + ".gz.tmp"), "the compressor at work", timeout=10,
                 interval=0.002)
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait(10)
        check(os.path.exists(c.log + ".gz.tmp"), "killed in the middle of a compression")
        c.start()
        send_all(c, msgs[52000:], chunk=2000)
        c.wait_compressed(timeout=20)
        check(not os.path.exists(c.log + ".gz.tmp"), "no temporary file left")
        got = []
        for f in c.text_files():
            got += file_msgs(f)
        eq(len(got), len(msgs), "lines across the files == entries sent")
        eq(got, msgs, "every line exactly once, in order")
        c.stop()


if __name__ == "__main__":
    cltest.main("test_textlog_rotate", [
        test_rotate_age, test_gzip_rotations, test_no_compress, test_crash_leftovers_tidied,
        test_kill_during_compression,
    ])
