// ThreadSanitizer reads this when the tests are built with
// -DPARROT_SANITIZE=thread. Debian's GLib is not instrumented and its GMutex
// is a bare futex on Linux, so TSan cannot see the context lock that
// serialises g_source_attach() from one thread with g_main_context_iteration()
// on another (documented as thread-safe). Only accesses made from inside
// libglib are exempt; races in parrot's own code are still reported.
extern "C" const char* __tsan_default_suppressions();
extern "C" const char* __tsan_default_suppressions() { return "called_from_lib:libglib-2.0.so\n"; }
