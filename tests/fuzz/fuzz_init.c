/*
 * fuzz_init.c - what the fuzzers that parse reports do before their first
 * input, as every main does first: report_init() (report.h).
 */
#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	report_init();
	return 0;
}
