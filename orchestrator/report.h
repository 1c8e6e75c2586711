/* report.h: what a run's results look like to people (HTML) and to tools (JSON). */
#pragma once

#include "store.h"
#include "util.h"

#define REPORT_JSON_SCHEMA 1

/* Writes DIR/index.html, a self-contained page. 0 or negative errno. */
int report_html(const struct result_run *run, const char *dir);
/* Appends the JSON summary (documented in the README) to out. */
void report_json(const struct result_run *run, struct strbuf *out);
