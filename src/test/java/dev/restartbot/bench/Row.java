package dev.restartbot.bench;

import java.util.Locale;

/** One line of the results table: a figure next to its goal, and whether it met it. */
record Row(String metric, String value, String goal, Verdict verdict) {

  enum Verdict {
    MET("met"),
    MISSED("**missed**"),
    INFO("");

    final String label;

    Verdict(String label) {
      this.label = label;
    }
  }

  static Row judged(String metric, String value, String goal, boolean met) {
    return new Row(metric, value, goal, met ? Verdict.MET : Verdict.MISSED);
  }

  static Row info(String metric, String value) {
    return new Row(metric, value, "", Verdict.INFO);
  }

  static String ms(double millis) {
    return String.format(Locale.ROOT, millis < 10 ? "%.2f ms" : "%.1f ms", millis);
  }
}
