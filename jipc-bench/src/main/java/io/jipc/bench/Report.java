package io.jipc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code jipc bench --report FILE}: a bar chart of the medians, jipc beside C, per mechanism and
 * size. An SVG file, or an HTML page holding the chart and the table when FILE ends in
 * {@code .html} or {@code .htm}.
 */
public final class Report {
    private Report() {}

    private static final int WIDTH = 860;
    private static final int LABEL = 150;
    private static final int BAR_MAX = 430;
    private static final int BAR = 14;
    private static final int BLOCK_TITLE = 34;
    private static final int ROW = 2 * BAR + 12;
    private static final Metric[] SHOWN = {Metric.P50, Metric.P99, Metric.MSGS_PER_S};

    /** Writes the report for {@code results} to {@code file}. */
    public static void write(Path file, List<Comparison> results, int rounds) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String svg = svg(results, rounds);
        String text;
        if (name.endsWith(".html") || name.endsWith(".htm")) {
            text = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>jipc bench</title>\n"
                    + "<style>body{font-family:sans-serif;margin:2em}pre{font-size:13px}</style></head><body>\n"
                    + "<h1>jipc bench</h1>\n" + svg + "\n<pre>" + escape(Table.format(results, rounds)) + "</pre>\n</body></html>\n";
        } else {
            text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg;
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** The chart: one block per comparison, one pair of bars (jipc, C) per metric, longest bar = the larger value. */
    static String svg(List<Comparison> results, int rounds) {
        int height = 50;
        for (Comparison c : results) {
            height += BLOCK_TITLE + SHOWN.length * ROW + 10;
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">jipc vs C"
                + " (median of %d alternating rounds)</text>%n", rounds));
        s.append("<rect x=\"10\" y=\"30\" width=\"12\" height=\"10\" fill=\"#3b6fb6\"/><text x=\"27\" y=\"39\">jipc</text>\n");
        s.append("<rect x=\"70\" y=\"30\" width=\"12\" height=\"10\" fill=\"#999999\"/><text x=\"87\" y=\"39\">C</text>\n");
        int y = 50;
        for (Comparison c : results) {
            s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s, %s</text>%n",
                    y + 22, escape(c.mechanism()), escape(Table.sizeLabel(c.size()))));
            y += BLOCK_TITLE;
            for (Metric metric : SHOWN) {
                double j = c.median("jipc", metric);
                double b = c.median(Comparison.BASELINE, metric);
                double max = Math.max(j, b);
                s.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\">%s</text>%n", y + BAR + 4,
                        escape(metric.label() + (metric.isLatency() ? " round trip" : " one-way"))));
                bar(s, y, j, max, "#3b6fb6", metric);
                bar(s, y + BAR + 2, b, max, "#999999", metric);
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">jipc/C %.3f</text>%n",
                        LABEL + BAR_MAX + 110, y + BAR + 4, c.ratio("jipc", metric)));
                y += ROW;
            }
            y += 10;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void bar(StringBuilder s, int y, double value, double max, String colour, Metric metric) {
        double w = max > 0 && Double.isFinite(value) ? value / max * BAR_MAX : 0;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                LABEL, y, w, BAR, colour));
        String text = metric.isLatency() ? Table.nanos(value) : String.format(Locale.ROOT, "%,.0f", value);
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", LABEL + w + 5, y + BAR - 3, escape(text)));
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
