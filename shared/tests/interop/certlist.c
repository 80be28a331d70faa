/* Lists the certificates of a LocalMachine system store through crypt32, the way Windows code sees
 * them: one line per certificate, "<store>\t<SHA-1 thumbprint>\t<subject>\t<simple display name>".
 * Subject: CertNameToStrW(CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG).
 * Used by shared/tests/trust_wine_interop.rs (compiled with x86_64-w64-mingw32-gcc, run under Wine).
 * Usage: certlist.exe STORE...   (e.g. AuthRoot ROOT). Exit 0 when every store opened, 2 otherwise. */
#include <windows.h>
#include <wincrypt.h>
#include <stdio.h>

static void print_wide(const WCHAR *text)
{
    char buffer[4096];
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, buffer, sizeof buffer, NULL, NULL);
    if (n > 0)
        fputs(buffer, stdout);
}

static int list_store(const WCHAR *store_name)
{
    HCERTSTORE store;
    PCCERT_CONTEXT cert = NULL;
    int count = 0;

    store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                          CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_READONLY_FLAG, store_name);
    if (!store) {
        fprintf(stderr, "CertOpenStore failed: 0x%08lx\n", GetLastError());
        return 0;
    }
    while ((cert = CertEnumCertificatesInStore(store, cert)) != NULL) {
        BYTE hash[20];
        DWORD size = sizeof hash;
        WCHAR name[2048];
        DWORD i;

        if (!CertGetCertificateContextProperty(cert, CERT_SHA1_HASH_PROP_ID, hash, &size)) {
            fprintf(stderr, "CertGetCertificateContextProperty failed: 0x%08lx\n", GetLastError());
            continue;
        }
        print_wide(store_name);
        putchar('\t');
        for (i = 0; i < size; i++)
            printf("%02X", hash[i]);
        putchar('\t');
        CertNameToStrW(X509_ASN_ENCODING, &cert->pCertInfo->Subject,
                       CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG, name, 2048);
        print_wide(name);
        putchar('\t');
        CertGetNameStringW(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, name, 2048);
        print_wide(name);
        putchar('\n');
        count++;
    }
    fprintf(stderr, "%d certificate(s)\n", count);
    CertCloseStore(store, 0);
    return 1;
}

int wmain(int argc, WCHAR **argv)
{
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: certlist STORE...\n");
        return 2;
    }
    for (i = 1; i < argc; i++)
        if (!list_store(argv[i]))
            return 2;
    return 0;
}
