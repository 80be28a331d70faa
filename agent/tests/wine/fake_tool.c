/* A stand-in for a Windows tool (diskpart, dism, bcdboot, robocopy, wpeutil, shutdown) in the Wine
   tests of the real machine: appends "<current folder>\t<command line as received>" in UTF-8 to the
   file named by OSDGATE_FAKE_LOG and exits with 0. The command line is GetCommandLineW's, so the
   test sees exactly what CreateProcess passed. */
#include <windows.h>

static void append_utf8(HANDLE file, const WCHAR *text) {
    char buffer[32768];
    int length = WideCharToMultiByte(CP_UTF8, 0, text, -1, buffer, sizeof buffer, NULL, NULL);
    DWORD written;
    if (length > 1) WriteFile(file, buffer, (DWORD)(length - 1), &written, NULL);
}

int main(void) {
    WCHAR log[MAX_PATH];
    WCHAR folder[MAX_PATH];
    if (!GetEnvironmentVariableW(L"OSDGATE_FAKE_LOG", log, MAX_PATH)) return 87;
    if (!GetCurrentDirectoryW(MAX_PATH, folder)) return 5;
    HANDLE file = CreateFileW(log, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                              OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return 5;
    append_utf8(file, folder);
    append_utf8(file, L"\t");
    append_utf8(file, GetCommandLineW());
    append_utf8(file, L"\n");
    CloseHandle(file);
    return 0;
}
