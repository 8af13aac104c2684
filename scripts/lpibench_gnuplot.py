# SPDX-License-Identifier: BSD-2-Clause
"""Writing and running gnuplot scripts for scripts/plot.

A Figure collects inline data blocks and plot commands, then writes one
self-contained NAME.gp into the output folder's gnuplot/ subfolder and
runs it: the script draws the figure twice, to NAME.png (pngcairo) and
NAME.svg (svg). Anyone can edit the .gp and re-run `gnuplot NAME.gp` from
that subfolder to restyle a figure without re-reading the results.

Text goes through the terminals' `noenhanced` mode, so backend names such
as ck_hs are printed as written, not as subscripts.
"""

import os
import shutil
import subprocess

FONT = "DejaVu Sans"
FONT_SIZE = 11
WIDTH, HEIGHT = 1100, 660

# Okabe-Ito colours (safe for colour-blind readers), then a few more.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#882255", "#999933", "#44AA99")
POINT_TYPES = (7, 5, 9, 11, 13, 15, 4, 6, 8, 10)


def quote(text):
    """A gnuplot double-quoted string (newlines become line breaks).

    gnuplot runs `command` inside double quotes as a shell command, and
    the text comes from result files (host names, params) that may come
    from anyone: backquotes become plain quotes, so nothing is ever run."""
    t = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + t.replace("`", "'") + '"'


def have_gnuplot():
    return shutil.which("gnuplot") is not None


class Style:
    """One colour and point type per name, stable across every figure of
    a run of scripts/plot (names are registered in a fixed order first)."""

    def __init__(self, names=()):
        self.index = {}
        for n in names:
            self.get(n)

    def get(self, name):
        i = self.index.setdefault(name, len(self.index))
        return PALETTE[i % len(PALETTE)], POINT_TYPES[i % len(POINT_TYPES)]


class Figure:
    def __init__(self, name, width=WIDTH, height=HEIGHT):
        self.name = name
        self.width, self.height = width, height
        self.blocks = []  # (name, rows)
        self.body = []

    def data(self, rows):
        """Adds a data block; returns its gnuplot name ($D0, $D1...).
        Rows are sequences; None becomes NaN (gnuplot skips it), strings
        are quoted (for labels)."""
        name = "$D%d" % len(self.blocks)
        self.blocks.append((name, rows))
        return name

    def __call__(self, line):
        """Adds one gnuplot command (or several lines) to the body."""
        self.body.append(line)

    def script(self):
        out = ["# Made by lpibench scripts/plot. Re-run from this folder: gnuplot %s.gp"
               % self.name, "set encoding utf8"]
        for name, rows in self.blocks:
            out.append("%s << EOD" % name)
            for row in rows:
                out.append(" ".join(_cell(v) for v in row))
            out.append("EOD")
        terms = (("pngcairo", "png", ""), ("svg", "svg", ' background "white"'))
        for term, ext, extra in terms:
            out.append("reset")
            out.append('set terminal %s noenhanced font "%s,%d" size %d,%d linewidth 1.3%s'
                       % (term, FONT, FONT_SIZE, self.width, self.height, extra))
            out.append("set output %s" % quote("../%s.%s" % (self.name, ext)))
            out.extend(self.body)
            out.append("unset output")
        return "\n".join(out) + "\n"

    def render(self, out_dir):
        """Writes out_dir/gnuplot/NAME.gp and runs it. Returns None, or
        gnuplot's error text."""
        src = os.path.join(out_dir, "gnuplot")
        os.makedirs(src, exist_ok=True)
        path = os.path.join(src, self.name + ".gp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.script())
        try:
            p = subprocess.run(["gnuplot", self.name + ".gp"], cwd=src, capture_output=True,
                               text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            return str(e)
        # gnuplot reports problems on stderr but may still exit 0.
        err = "\n".join(line for line in p.stderr.splitlines() if line.strip()
                        and "warning: " not in line.lower())
        if p.returncode != 0 or err:
            for ext in ("png", "svg"):  # half-drawn figures mislead: remove them
                try:
                    os.remove(os.path.join(out_dir, "%s.%s" % (self.name, ext)))
                except OSError:
                    pass
            return (err or "gnuplot exited %d" % p.returncode).strip()
        for ext in ("png", "svg"):
            if not os.path.isfile(os.path.join(out_dir, "%s.%s" % (self.name, ext))):
                return "gnuplot wrote no %s.%s" % (self.name, ext)
        return None


def _cell(v):
    if v is None:
        return "NaN"
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, float):
        return repr(v) if v == v else "NaN"
    return str(v)
