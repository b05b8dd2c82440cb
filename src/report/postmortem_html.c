/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmortem_html.c: the post-mortem as one self-contained HTML file (postmortem.h): the Markdown
 * rendered by cmark-gfm with the GFM table extension (raw HTML in the Markdown is not passed
 * through: CMARK_OPT_UNSAFE is off, so text people wrote cannot inject markup), inline CSS with
 * print styles, and two small SVG charts written by hand (the symptom's baseline vs incident
 * level over the windows, and the causes' scores). No script, no network, no external asset.
 */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "postmortem_int.h"

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

static void ext_init(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

static const char css[] =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:60rem;"
    "margin:2rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}"
    "h1{border-bottom:2px solid #d0d7de;padding-bottom:.3rem}"
    "h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}"
    "table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.92rem}"
    "th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}code{background:#f6f8fa;padding:.1rem .3rem;border-radius:3px}"
    "figure.charts{display:flex;gap:1.5rem;flex-wrap:wrap;margin:1rem 0}"
    "figure.charts svg{border:1px solid #d0d7de;border-radius:4px;background:#fff}"
    "figure.fault-tree{overflow-x:auto;margin:0 0 1em}figure.fault-tree svg{max-width:none}"
    "figcaption{font-size:.85rem;color:#57606a}"
    "@media print{body{max-width:none;margin:0;font-size:10.5pt}h2{break-after:avoid}"
    "table,figure,li{break-inside:avoid}a{color:inherit;text-decoration:none}}\n";

static void esc(struct fl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fl_buf_puts(b, "&lt;");
            break;
        case '>':
            fl_buf_puts(b, "&gt;");
            break;
        case '&':
            fl_buf_puts(b, "&amp;");
            break;
        case '"':
            fl_buf_puts(b, "&quot;");
            break;
        default:
            if ((unsigned char)*s >= 0x20 && *s != 0x7f)
                fl_buf_putc(b, *s);
        }
    }
}

/* Baseline level then incident level as a step line over time, the onset marked. */
static void sparkline(const struct fl_pm__charts *ch, struct fl_buf *b)
{
    const double W = 320, H = 110, pad = 14;
    if (!isfinite(ch->baseline) || !isfinite(ch->incident))
        return;
    double lo = fmin(ch->baseline, ch->incident), hi = fmax(ch->baseline, ch->incident);
    double span = hi - lo > 0 ? hi - lo : (fabs(hi) > 0 ? fabs(hi) : 1);
    lo -= span * 0.25;
    hi += span * 0.25;
    double t0 = (double)ch->base_start, t1 = (double)ch->inc_end, tx = (double)ch->onset;
    double frac = t1 > t0 && tx > t0 && tx < t1 ? (tx - t0) / (t1 - t0) : 0.5;
    double xo = pad + frac * (W - 2 * pad);
    double yb = H - pad - (ch->baseline - lo) / (hi - lo) * (H - 2 * pad);
    double yi = H - pad - (ch->incident - lo) / (hi - lo) * (H - 2 * pad);
    fl_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"symptom baseline vs "
                  "incident\">",
                  W, H + 18, W, H + 18);
    fl_buf_printf(b,
                  "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#cf222e\" "
                  "stroke-dasharray=\"3,3\"/>",
                  xo, pad / 2, xo, H - pad / 2);
    fl_buf_printf(b,
                  "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"%.1f,"
                  "%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>",
                  pad, yb, xo, yb, xo, yi, W - pad, yi);
    fl_buf_printf(b,
                  "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"#57606a\">baseline "
                  "%.4g</text>",
                  pad, yb - 4 < 10 ? yb + 12 : yb - 4, ch->baseline);
    fl_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#1f2328\" "
                  "text-anchor=\"end\">incident %.4g</text>",
                  W - pad, yi - 4 < 10 ? yi + 12 : yi - 4, ch->incident);
    fl_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" fill=\"#cf222e\" "
                  "text-anchor=\"middle\">onset</text>",
                  xo, H + 12);
    fl_buf_puts(b, "</svg>");
}

static void bars(const struct fl_pm__charts *ch, struct fl_buf *b)
{
    size_t n = ch->n_causes < 6 ? ch->n_causes : 6;
    if (!n)
        return;
    const double W = 320, row = 20, lw = 150;
    fl_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"cause scores\">",
                  W, row * (double)n + 8, W, row * (double)n + 8);
    for (size_t i = 0; i < n; i++) {
        double s = isfinite(ch->cause_scores[i]) ? fmax(0, fmin(1, ch->cause_scores[i])) : 0;
        double y = 4 + row * (double)i;
        fl_buf_printf(b, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">",
                      lw - 6, y + 13);
        /* About 5.5 px per character at 10 px: 24 fit in the label column. Keep the end of the
         * name, which tells causes apart ("...gateway->feature-store"). */
        const char *nm = ch->cause_names[i] ? ch->cause_names[i] : "-";
        size_t len = strlen(nm);
        if (len > 24) {
            fl_buf_puts(b, "...");
            nm += len - 21;
            while ((*nm & 0xc0) == 0x80) /* not inside a UTF-8 sequence */
                nm++;
        }
        esc(b, nm);
        fl_buf_printf(b,
                      "</text><rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" "
                      "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">%.2f</text>",
                      lw, y + 2, s * (W - lw - 40), i ? "#8c959f" : "#0969da",
                      lw + s * (W - lw - 40) + 4, y + 13, s);
    }
    fl_buf_puts(b, "</svg>");
}

fl_err fl_pm__html(const char *title, const char *md, size_t md_len, const struct fl_pm__charts *ch,
                   struct fl_buf *out)
{
    pthread_once(&ext_once, ext_init);
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    cmark_syntax_extension *strike = cmark_find_syntax_extension("strikethrough");
    if (!p || !table)
        goto oom;
    cmark_parser_attach_syntax_extension(p, table);
    if (strike)
        cmark_parser_attach_syntax_extension(p, strike);
    cmark_parser_feed(p, md, md_len);
    cmark_node *doc = cmark_parser_finish(p);
    char *html =
        doc ? cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p))
            : NULL;
    if (doc)
        cmark_node_free(doc);
    cmark_parser_free(p);
    p = NULL;
    if (!html)
        goto oom;
    fl_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"generator\" content=\"faultline postmortem\">\n<title>"
                     "Post-mortem: ");
    esc(out, title);
    fl_buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    /* The charts go right after the Impact heading when the template has one, else first. */
    const char *at = strstr(html, "<h2>Impact</h2>\n");
    size_t cut = at ? (size_t)(at - html) + strlen("<h2>Impact</h2>\n") : 0;
    fl_buf_append(out, html, cut);
    fl_buf_puts(out, "<figure class=\"charts\">");
    sparkline(ch, out);
    bars(ch, out);
    fl_buf_puts(out, "<figcaption>Left: ");
    esc(out, ch->symptom ? ch->symptom : "the symptom");
    fl_buf_puts(out, ", baseline vs incident level from the investigation's evidence, onset "
                     "dashed. Right: scores of the ranked causes.</figcaption></figure>\n");
    /* The fault tree's diagram right after its heading, when there is one. */
    const char *ft = ch->fault_tree_svg ? strstr(html + cut, "<h2>Fault tree</h2>\n") : NULL;
    size_t ft_cut = ft ? (size_t)(ft - (html + cut)) + strlen("<h2>Fault tree</h2>\n") : 0;
    if (ft) {
        fl_buf_append(out, html + cut, ft_cut);
        fl_buf_puts(out, "<figure class=\"fault-tree\">");
        fl_buf_puts(out, ch->fault_tree_svg);
        fl_buf_puts(out, "<figcaption>The default fault tree of this kind of incident, evaluated "
                         "on the investigation's evidence.</figcaption></figure>\n");
    }
    fl_buf_puts(out, html + cut + ft_cut);
    fl_buf_puts(out, "</body>\n</html>\n");
    free(html);
    return FL_OK;
oom:
    if (p)
        cmark_parser_free(p);
    return FL_ENOMEM;
}
