/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placement, part 3: the plan as a picture (--plan --plan-image=FILE).
 *
 * The machine is drawn as nested boxes, widest level outside: packages,
 * NUMA nodes, shared caches (L3, clusters, shared L2), then cores, each
 * core holding its PUs. A PU that a thread is planned on is filled with the
 * role's colour and shows the thread numbers; a PU holding two or more
 * threads gets a red outline. The small grey number in a PU is its Linux
 * CPU number, the one list:CPUS takes. The legend names every colour used,
 * the boxes' too (tests/test_plots.sh checks it).
 *
 * SVG is written here directly. PNG is made from it by rsvg-convert
 * (Debian package librsvg2-bin), or else ImageMagick's convert, whichever
 * is found first in PATH.
 *
 * Context: main thread, after topo_validate().
 */
#include "topo_impl.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PU_W	  46.0
#define PU_H	  34.0
#define GAP	  4.0
#define PAD	  6.0
#define TITLE_H	  16.0
#define GRID_COLS 16
#define ROW_MAX_W 1700.0
#define MARGIN	  12.0
#define HEADER_H  80.0
#define LEGEND_CH 6.1 /* width of a character of the legend's 11 px text, about */

#define COLOR_GENERIC "#2f6fc4"
#define COLOR_VCPU    "#e07b24"
#define COLOR_MIXED   "#8e44ad"

/* What is planned on each PU slot. */
struct slot_use {
	unsigned count;
	unsigned roles; /* bit per role */
	unsigned first[3];
};

struct svg {
	FILE *f;
	unsigned *order; /* cores sorted by every key, widest first */
	unsigned n;
	struct slot_use *use; /* per PU slot */
};

struct size {
	double w, h;
};

static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const unsigned *cmp_keys_nr;

static int cmp_all_keys(const void *a, const void *b)
{
	const struct topo_core *x = &topo_m.cores[*(const unsigned *)a];
	const struct topo_core *y = &topo_m.cores[*(const unsigned *)b];
	for (unsigned k = 0; k < *cmp_keys_nr; k++)
		if (x->key[k] != y->key[k])
			return x->key[k] < y->key[k] ? -1 : 1;
	return x->logical < y->logical ? -1 : x->logical > y->logical;
}

/* ---- one core ---- */

static struct size core_size(unsigned core)
{
	unsigned p = topo_m.cores[core].nr_pus;
	if (p == 1)
		return (struct size){PU_W, PU_H};
	return (struct size){p * (PU_W + GAP) + GAP, PU_H + 2 * GAP + 12};
}

static void draw_pu(struct svg *s, unsigned slot, double x, double y)
{
	const struct slot_use *u = &s->use[slot];
	const char *fill = "#ffffff", *ink = "#333333";
	char label[48] = "";

	if (u->count) {
		fill = u->roles == 1u << TOPO_ROLE_VCPU	     ? COLOR_VCPU
		       : u->roles == 1u << TOPO_ROLE_GENERIC ? COLOR_GENERIC
							     : COLOR_MIXED;
		ink = "#ffffff";
		size_t used = 0;
		for (unsigned i = 0; i < u->count && i < 3; i++)
			used += (size_t)snprintf(label + used, sizeof(label) - used, "%s%u",
						 i ? "," : "", u->first[i]);
		if (u->count > 3)
			snprintf(label + used, sizeof(label) - used, "+%u", u->count - 3);
	}
	fprintf(s->f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" fill=\"%s\" "
		"stroke=\"%s\" stroke-width=\"%s\"/>\n",
		x, y, PU_W, PU_H, fill, u->count > 1 ? "#d0021b" : "#777777",
		u->count > 1 ? "2.5" : "1");
	fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" fill=\"%s\">%u</text>\n", x + 3,
		y + 9, u->count ? "#e8e8e8" : "#999999", topo_m.pu_os[slot]);
	if (u->count)
		fprintf(s->f,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"bold\" "
			"text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
			x + PU_W / 2, y + PU_H - 8, strlen(label) > 6 ? 8 : 12, ink, label);
}

static void draw_core(struct svg *s, unsigned core, double x, double y)
{
	const struct topo_core *c = &topo_m.cores[core];
	if (c->nr_pus == 1) {
		draw_pu(s, c->first_pu, x, y);
		return;
	}
	struct size sz = core_size(core);
	fprintf(s->f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" "
		"fill=\"#f7f7f7\" stroke=\"#555555\"/>\n",
		x, y, sz.w, sz.h);
	fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\">core %u</text>\n", x + GAP,
		y + 11, c->logical);
	for (unsigned p = 0; p < c->nr_pus; p++)
		draw_pu(s, c->first_pu + p, x + GAP + p * (PU_W + GAP), y + 12 + GAP);
}

/* ---- nested groups ---- */

/* End of the group starting at lo at this level. */
static unsigned group_end(const struct svg *s, unsigned lo, unsigned hi, unsigned level)
{
	unsigned key = topo_m.cores[s->order[lo]].key[level];
	unsigned e = lo + 1;
	while (e < hi && topo_m.cores[s->order[e]].key[level] == key)
		e++;
	return e;
}

static struct size layout_content(struct svg *s, unsigned lo, unsigned hi, unsigned level, double x,
				  double y, bool draw);

static const char *const box_fill[] = {"#eeeeee", "#e4efdc", "#eef3fb",
				       "#fbf3e6", "#f3eefb", "#ffffff"};

/* The group [lo, hi) of `level`: a titled box around its content, or the
 * bare content when the cores have no object at this level. */
static struct size layout_box(struct svg *s, unsigned lo, unsigned hi, unsigned level, double x,
			      double y, bool draw)
{
	unsigned key = topo_m.cores[s->order[lo]].key[level];
	if (key == TOPO_KEY_NONE)
		return layout_content(s, lo, hi, level + 1, x, y, draw);

	struct size in = layout_content(s, lo, hi, level + 1, 0, 0, false);
	struct size out = {in.w + 2 * PAD, in.h + TITLE_H + PAD};
	if (draw) {
		char label[96];
		unsigned fill = level < sizeof(box_fill) / sizeof(box_fill[0])
				    ? level
				    : sizeof(box_fill) / sizeof(box_fill[0]) - 1;
		topo_level_label(level, key, label, sizeof(label));
		fprintf(s->f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" "
			"fill=\"%s\" stroke=\"#555555\"/>\n",
			x, y, out.w, out.h, box_fill[fill]);
		fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" font-weight=\"%s\">",
			x + PAD, y + 12, level == TOPO_KEY_PACKAGE ? "bold" : "normal");
		put_text(s->f, label);
		fprintf(s->f, " (%u cores)</text>\n", hi - lo);
		layout_content(s, lo, hi, level + 1, x + PAD, y + TITLE_H, true);
	}
	return out;
}

/* Cores in a grid at the last level; otherwise the level's groups side by
 * side, wrapping rows wider than ROW_MAX_W. */
static struct size layout_content(struct svg *s, unsigned lo, unsigned hi, unsigned level, double x,
				  double y, bool draw)
{
	struct size total = {0, 0};
	double row_w = 0, row_h = 0;

	if (level >= topo_m.nr_keys) {
		unsigned cols = hi - lo < GRID_COLS ? hi - lo : GRID_COLS;
		double cw = 0, ch = 0;
		for (unsigned i = lo; i < hi; i++) {
			struct size c = core_size(s->order[i]);
			cw = c.w > cw ? c.w : cw;
			ch = c.h > ch ? c.h : ch;
		}
		for (unsigned i = lo; draw && i < hi; i++) {
			unsigned col = (i - lo) % cols, row = (i - lo) / cols;
			draw_core(s, s->order[i], x + col * (cw + GAP), y + row * (ch + GAP));
		}
		unsigned rows = (hi - lo + cols - 1) / cols;
		return (struct size){cols * (cw + GAP) - GAP, rows * (ch + GAP) - GAP};
	}

	for (unsigned g = lo; g < hi;) {
		unsigned e = group_end(s, g, hi, level);
		struct size c = layout_box(s, g, e, level, 0, 0, false);
		if (row_w > 0 && row_w + GAP + c.w > ROW_MAX_W) {
			total.w = row_w > total.w ? row_w : total.w;
			total.h += row_h + GAP;
			row_w = row_h = 0;
		}
		if (draw)
			layout_box(s, g, e, level, x + row_w + (row_w > 0 ? GAP : 0), y + total.h,
				   true);
		row_w += (row_w > 0 ? GAP : 0) + c.w;
		row_h = c.h > row_h ? c.h : row_h;
		g = e;
	}
	total.w = row_w > total.w ? row_w : total.w;
	total.h += row_h;
	return total;
}

/* One legend entry at x (with f NULL: only measured); returns the x of the
 * next one. */
static double legend(FILE *f, double x, double y, const char *color, const char *stroke,
		     const char *text)
{
	if (f) {
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" rx=\"2\" "
			"fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
			x, y - 10, color, stroke, strcmp(stroke, "#d0021b") == 0 ? "2.5" : "1");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", x + 19, y);
		put_text(f, text);
		fprintf(f, "</text>\n");
	}
	return x + 19 + LEGEND_CH * (double)strlen(text) + 14;
}

/* Whether any core has an object at this level (a box is drawn for it). */
static bool level_drawn(unsigned level)
{
	for (unsigned i = 0; i < topo_m.nr_cores; i++)
		if (topo_m.cores[i].key[level] != TOPO_KEY_NONE)
			return true;
	return false;
}

/* The legend names every colour the picture uses: the PUs' fills and
 * outlines (first row), then the boxes' (second row: the machine, each
 * level drawn, cores holding several PUs). With f NULL it is only
 * measured; returns its width. */
static double legends(FILE *f, double lx, double ly, unsigned unbound, unsigned first_unbound)
{
	double x = lx, w;
	bool smt = false;

	if (f)
		fprintf(f, "<g id=\"legend\">\n");
	x = legend(f, x, ly, COLOR_GENERIC, "#777777", "thread (generic / device)");
	x = legend(f, x, ly, COLOR_VCPU, "#777777", "vCPU thread");
	x = legend(f, x, ly, COLOR_MIXED, "#777777", "vCPU and other threads on one PU");
	x = legend(f, x, ly, "#ffffff", "#d0021b", "two or more threads");
	x = legend(f, x, ly, "#ffffff", "#777777", "idle PU (small number: Linux CPU)");
	if (unbound && f)
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#d0021b\">%u "
			"thread%s unbound (first: %u)</text>\n",
			x, ly, unbound, unbound == 1 ? "" : "s", first_unbound);
	if (unbound)
		x += LEGEND_CH * 32;
	w = x - lx;

	x = lx;
	ly += 22;
	x = legend(f, x, ly, "#fafafa", "#222222", "machine");
	for (unsigned k = 0; k < topo_m.nr_keys; k++) {
		unsigned fill = k < sizeof(box_fill) / sizeof(box_fill[0])
				    ? k
				    : sizeof(box_fill) / sizeof(box_fill[0]) - 1;
		if (level_drawn(k))
			x = legend(f, x, ly, box_fill[fill], "#555555", topo_m.level[k].name);
	}
	for (unsigned i = 0; i < topo_m.nr_cores; i++)
		smt |= topo_m.cores[i].nr_pus > 1;
	if (smt)
		x = legend(f, x, ly, "#f7f7f7", "#555555", "core (its PUs inside)");
	if (f)
		fprintf(f, "</g>\n");
	return x - lx > w ? x - lx : w;
}

static int write_svg(FILE *f, const char *title, unsigned nr, const int *slot,
		     const unsigned char *role)
{
	struct svg s = {.f = f, .n = topo_m.nr_cores};
	unsigned unbound = 0, first_unbound = 0;
	unsigned nr_keys = topo_m.nr_keys;

	s.order = malloc(topo_m.nr_cores * sizeof(*s.order));
	s.use = calloc(topo_m.nr_pus, sizeof(*s.use));
	if (!s.order || !s.use) {
		free(s.order);
		free(s.use);
		errno = ENOMEM;
		return -1;
	}
	for (unsigned i = 0; i < topo_m.nr_cores; i++)
		s.order[i] = i;
	cmp_keys_nr = &nr_keys;
	qsort(s.order, topo_m.nr_cores, sizeof(*s.order), cmp_all_keys);
	for (unsigned i = 0; i < nr; i++) {
		if (slot[i] < 0) {
			if (!unbound++)
				first_unbound = i;
			continue;
		}
		struct slot_use *u = &s.use[slot[i]];
		if (u->count < 3)
			u->first[u->count] = i;
		u->count++;
		u->roles |= 1u << role[i];
	}

	struct size in = layout_content(&s, 0, s.n, 0, 0, 0, false);
	double w = in.w + 2 * PAD + 2 * MARGIN, h = in.h + TITLE_H + PAD + HEADER_H + 2 * MARGIN;
	double lw = legends(NULL, MARGIN, 0, unbound, first_unbound) + 2 * MARGIN;
	if (w < lw)
		w = lw;
	if (w < 640)
		w = 640;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, "
		"sans-serif\">\n",
		w, h, w, h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">", MARGIN,
		MARGIN + 14);
	put_text(f, title);
	fprintf(f, "</text>\n");
	legends(f, MARGIN, MARGIN + 38, unbound, first_unbound);

	double mx = MARGIN, my = MARGIN + HEADER_H;
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"5\" "
		"fill=\"#fafafa\" stroke=\"#222222\"/>\n",
		mx, my, in.w + 2 * PAD, in.h + TITLE_H + PAD);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">machine: ", mx + PAD, my + 12);
	put_text(f, topo_m.sum.name);
	fprintf(f, " (%u cores, %u PUs)</text>\n", topo_m.sum.cores, topo_m.sum.pus);
	layout_content(&s, 0, s.n, 0, mx + PAD, my + TITLE_H, true);
	fprintf(f, "</svg>\n");
	free(s.order);
	free(s.use);
	return ferror(f) ? -1 : 0;
}

/* ---- PNG ---- */

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n && n + strlen(prog) + 2 < sizeof(buf)) {
			memcpy(buf, path, n);
			buf[n] = '/';
			strcpy(buf + n + 1, prog);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static const char *png_converter(void)
{
	if (in_path("rsvg-convert"))
		return "rsvg-convert";
	if (in_path("convert"))
		return "convert";
	return NULL;
}

static bool is_png(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcasecmp(path + n - 4, ".png") == 0;
}

int topo_plan_image_check(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash) {
		size_t n = (size_t)(slash - path);
		if (n >= sizeof(dir))
			return opt_error("plan-image", "path too long");
		memcpy(dir, path, n);
		dir[n] = 0;
		if (!n)
			strcpy(dir, "/");
	} else {
		strcpy(dir, ".");
	}
	if (access(dir, W_OK) != 0)
		return opt_error("plan-image", "cannot write in %s: %s", dir, strerror(errno));
	if (is_png(path) && !png_converter())
		return opt_error("plan-image",
				 "a PNG needs rsvg-convert (Debian: librsvg2-bin) or ImageMagick's "
				 "convert in PATH; neither was found (FILE.svg needs nothing)");
	return 0;
}

static int run_converter(const char *tool, const char *svg, const char *png)
{
	char *const rsvg_argv[] = {(char *)tool, "-o", (char *)png, (char *)svg, NULL};
	char *const im_argv[] = {(char *)tool, (char *)svg, (char *)png, NULL};
	pid_t pid;
	int status, err;

	err = posix_spawnp(&pid, tool, NULL, NULL,
			   strcmp(tool, "rsvg-convert") == 0 ? rsvg_argv : im_argv, environ);
	if (err) {
		fprintf(stderr, "lpibench: --plan-image: cannot run %s: %s\n", tool, strerror(err));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "lpibench: --plan-image: %s failed to make %s\n", tool, png);
		return -1;
	}
	return 0;
}

int topo_plan_image(const char *path, const char *title, unsigned nr, const int *slot,
		    const unsigned char *role)
{
	char tmp[] = "/tmp/lpibench-plan-XXXXXX.svg";
	bool png = is_png(path);
	FILE *f;
	int fd = -1, ret;

	if (png) {
		fd = mkstemps(tmp, 4);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
	} else {
		f = fopen(path, "w");
	}
	if (!f) {
		fprintf(stderr, "lpibench: --plan-image: cannot write %s: %s\n", png ? tmp : path,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	ret = write_svg(f, title, nr, slot, role);
	if (fclose(f) || ret) {
		fprintf(stderr, "lpibench: --plan-image: writing %s failed\n", png ? tmp : path);
		if (png)
			unlink(tmp);
		return -1;
	}
	if (!png)
		return 0;
	const char *tool = png_converter();
	ret = tool ? run_converter(tool, tmp, path) : -1;
	if (!tool)
		fprintf(stderr, "lpibench: --plan-image: no SVG to PNG converter in PATH\n");
	unlink(tmp);
	return ret;
}
