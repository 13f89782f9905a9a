/** The cross-process benchmark harness behind {@code jipc bench}: jipc against the same exchange in C. */
package io.jipc.bench;
