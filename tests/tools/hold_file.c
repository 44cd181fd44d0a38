/* hold_file.c - holds a file open as SQLite's Windows VFS does, so that
 * renaming or deleting it fails as it would under a reader (Windows;
 * tests/win/test_wine.py runs it).
 *
 *   hold_file PATH FLAG
 *
 * Opens PATH for reading with FILE_SHARE_READ | FILE_SHARE_WRITE and without
 * FILE_SHARE_DELETE (os_win.c's winOpen), prints "held", and keeps it open
 * until the file FLAG exists. Exit status: 0, or 1 when PATH cannot be
 * opened. */
#include <windows.h>

#include <stdio.h>

int wmain(int argc, wchar_t **argv)
{
    HANDLE h;

    if (argc != 3) {
        fprintf(stderr, "usage: hold_file PATH FLAG\n");
        return 2;
    }
    h = CreateFileW(argv[1], GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "hold_file: cannot open: error %lu\n", GetLastError());
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    while (GetFileAttributesW(argv[2]) == INVALID_FILE_ATTRIBUTES)
        Sleep(50);
    CloseHandle(h);
    return 0;
}
