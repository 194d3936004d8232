/* test_main.h -- the runner: include once, after defining sw_tests[]. */
int sw_test_failures = 0;
int sw_test_checks = 0;

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    for (sw_test_case *t = sw_tests; t->name; t++) {
        if (argc > 1 && !strstr(t->name, argv[1])) continue;
        int before = sw_test_failures;
        t->fn();
        if (sw_test_failures == before) { passed++; printf("ok   %s\n", t->name); }
        else { failed++; printf("FAIL %s\n", t->name); }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
