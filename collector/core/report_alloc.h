/*
 * report_alloc.h - where jansson's memory comes from (internal to the
 * report module).
 *
 * Parsing one report makes hundreds of small jansson allocations that all
 * die together when the tree is dropped. While a thread is inside
 * report_alloc_begin()/report_alloc_end(), they come from a region that
 * the thread reuses for every report; otherwise from malloc. The functions
 * are installed with json_set_alloc_funcs() by report_init(), which every
 * main calls before any jansson use, so every jansson block in the process
 * carries the small header that tells report_alloc's free which kind it
 * is. Linking the core changes nothing in the process by itself.
 */
#ifndef TLSRPT_REPORT_ALLOC_H
#define TLSRPT_REPORT_ALLOC_H

/* Allocations of this thread come from its region until the matching
 * report_alloc_end(), which requires that every block taken since has been
 * released (json_decref of the tree). */
void report_alloc_begin(void);
void report_alloc_end(void);

/* Returns 1 when every block since report_alloc_begin() came from the
 * region: then the tree need not be walked to be freed (json_decref would
 * only visit every node to do nothing); resetting the region frees it. */
int report_alloc_all_in_region(void);

/* Whether report_init() has run. */
int report_alloc_ready(void);

/* Frees a string that jansson allocated (json_dumps). */
void report_alloc_free(void *p);

#endif
