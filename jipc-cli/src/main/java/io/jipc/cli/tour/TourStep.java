package io.jipc.cli.tour;

/**
 * One stop of {@code jipc tour}: one mechanism shown between this process and a real child
 * process. A step narrates through its {@link Tour.Context} and registers every object it makes
 * with {@link Tour.Context#cleanup} right after making it, so that an interrupted tour (Ctrl-C)
 * leaves nothing behind. A new mechanism joins the tour as one class added to {@link
 * TourSteps#ALL}.
 */
public interface TourStep {
    /** The name {@code --only} selects it by, the mechanism names of cli.md: {@code pipe}, {@code mq}... */
    String mechanism();

    /** One line saying what the mechanism is, with the C calls it is. */
    String title();

    /** Shows the mechanism: makes objects, starts the other process, says what happened. */
    void run(Tour.Context tour) throws Exception;
}
