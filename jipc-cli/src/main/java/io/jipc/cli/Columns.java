package io.jipc.cli;

import java.util.List;
import java.util.function.IntPredicate;

/** Prints rows as aligned columns, as ipcs and lslocks do: the last column runs free, numbers align right. */
final class Columns {
    private Columns() {}

    static void print(Io io, List<String[]> rows, String gap, IntPredicate alignRight) throws Failure {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String pad = i == r.length - 1 ? "" : " ".repeat(width[i] - r[i].length());
                line.append(i == 0 ? "" : gap).append(alignRight.test(i) ? pad + r[i] : r[i] + pad);
            }
            io.println(line.toString());
        }
    }
}
