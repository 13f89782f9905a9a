package io.jipc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code jipc bench --report FILE}: a bar chart of the medians, jipc beside C (and the JDK where
 * it ran), per mechanism and size. An SVG file, or an HTML page holding the chart and the table
 * when FILE ends in {@code .html} or {@code .htm}.
 */
public final class Report {
    private Report() {}

    private static final int WIDTH = 900;
    private static final int LABEL = 150;
    private static final int BAR_MAX = 430;
    private static final int BAR = 14;
    private static final int BLOCK_TITLE = 34;
    private static final Metric[] SHOWN = {Metric.P50, Metric.P99, Metric.RTT_CPU_NS, Metric.MSGS_PER_S,
        Metric.CPU_NS_PER_MSG, Metric.PEER_CPU_NS_PER_MSG};

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

    /** The bar colour of an implementation. */
    static String colour(String impl) {
        return switch (impl) {
            case JavaImpl.JIPC -> "#3b6fb6";
            case Comparison.BASELINE -> "#999999";
            case JavaImpl.JDK -> "#d9822b";
            case JavaImpl.JIPC_BATCH -> "#7aa6e0";
            case Harness.C_MODEL -> "#6aa84f";
            case Harness.C_THREADED -> "#5c5c5c";
            default -> "#a05fb0";
        };
    }

    /**
     * The chart: one block per comparison, one bar per implementation and metric, longest bar =
     * the largest value; beside each metric the ratio of jipc (or the only Java implementation) to
     * C, and jipc/jdk where both ran.
     */
    static String svg(List<Comparison> results, int rounds) {
        Set<String> legend = new LinkedHashSet<>();
        int height = 50;
        for (Comparison c : results) {
            legend.addAll(c.implementations());
            height += BLOCK_TITLE + SHOWN.length * row(c.implementations().size()) + 10;
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        Placement placement = results.isEmpty() ? null : results.getFirst().placement();
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">jipc vs C"
                + " (median of %d alternating rounds%s)</text>%n", rounds,
                placement == null ? "" : escape("; placement: " + placement.describe())));
        int x = 10;
        for (String impl : legend) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"39\">%s</text>%n", x, colour(impl), x + 17, escape(label(impl))));
            x += 30 + 8 * label(impl).length();
        }
        int y = 50;
        for (Comparison c : results) {
            String title = c.mechanism() + ", " + Table.sizeLabel(c.size());
            s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                    y + 22, escape(title)));
            y += BLOCK_TITLE;
            List<String> impls = c.implementations();
            String ratioImpl = impls.contains(JavaImpl.JIPC) ? JavaImpl.JIPC : impls.getFirst();
            for (Metric metric : SHOWN) {
                double max = 0;
                for (String impl : impls) {
                    double v = c.median(impl, metric);
                    if (Double.isFinite(v)) {
                        max = Math.max(max, v);
                    }
                }
                s.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\">%s</text>%n", y + BAR + 4,
                        escape(chartLabel(metric))));
                for (int i = 0; i < impls.size(); i++) {
                    bar(s, y + i * (BAR + 2), c.median(impls.get(i), metric), max, colour(impls.get(i)), metric);
                }
                StringBuilder ratios = new StringBuilder();
                double toC = c.ratio(ratioImpl, metric);
                if (impls.contains(Comparison.BASELINE) && !ratioImpl.equals(Comparison.BASELINE) && Double.isFinite(toC)) {
                    ratios.append(String.format(Locale.ROOT, "%s/C %.3f", ratioImpl, toC));
                }
                double toJdk = c.ratio(JavaImpl.JIPC, JavaImpl.JDK, metric);
                if (impls.contains(JavaImpl.JIPC) && impls.contains(JavaImpl.JDK) && Double.isFinite(toJdk)) {
                    ratios.append(String.format(Locale.ROOT, "  jipc/jdk %.3f", toJdk));
                }
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
                        LABEL + BAR_MAX + 90, y + BAR + 4, escape(ratios.toString().strip())));
                y += row(impls.size());
            }
            y += 10;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /** What a metric's bars show, in a few words. */
    private static String chartLabel(Metric metric) {
        return switch (metric) {
            case RTT_CPU_NS -> "CPU per round trip";
            case CPU_NS_PER_MSG -> "CPU/msg, sender";
            case PEER_CPU_NS_PER_MSG -> "CPU/msg, receiver";
            default -> metric.label() + (metric.isLatency() ? " round trip" : " one-way");
        };
    }

    private static int row(int impls) {
        return impls * (BAR + 2) + 10;
    }

    private static String label(String impl) {
        return impl.equals(Comparison.BASELINE) ? "C" : impl;
    }

    private static void bar(StringBuilder s, int y, double value, double max, String colour, Metric metric) {
        double w = max > 0 && Double.isFinite(value) ? value / max * BAR_MAX : 0;
        if (!Double.isFinite(value)) {
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">n/a</text>%n", LABEL + 5, y + BAR - 3));
            return;
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                LABEL, y, w, BAR, colour));
        String text = metric.isNanos() ? Table.nanos(value) : String.format(Locale.ROOT, "%,.0f", value);
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", LABEL + w + 5, y + BAR - 3, escape(text)));
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
