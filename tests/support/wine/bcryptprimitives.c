/* bcryptprimitives.dll's ProcessPrng, which every Windows from 10 on has and Rust's std
 * (1.78 and later) calls for its hash maps' keys, but wine 8 (Debian 12's) lacks: the
 * Windows artifact then fails to load under wine (c0000135) before any of its code runs.
 * tests/windows.rs builds this with MinGW and puts it beside the artifact, where Windows
 * looks for a DLL first. It draws from RtlGenRandom (advapi32's SystemFunction036), as
 * ProcessPrng draws from the system's generator; nothing of healthprobe's code is in it. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
