package dev.restartbot.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a PromQL expression asks of the metrics: the series it selects (with the labels it matches
 * on) and the labels it groups or joins by. Enough of PromQL for alert rules and dashboards, not a
 * parser of the whole language.
 */
record PromQl(List<Selector> selectors, Set<String> groupedBy) {

  /** A metric name and the labels its matchers name. */
  record Selector(String metric, Set<String> labels) {}

  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern WITH_MATCHERS =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)\\}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");

  static PromQl parse(String expression) {
    String rest = RANGE.matcher(expression).replaceAll(" ");
    Set<String> groupedBy = new TreeSet<>();
    Matcher grouping = GROUPING.matcher(rest);
    while (grouping.find()) {
      for (String label : grouping.group(1).split(",")) {
        if (!label.isBlank()) {
          groupedBy.add(label.trim());
        }
      }
    }
    rest = grouping.replaceAll(" ");

    List<Selector> selectors = new ArrayList<>();
    Matcher withMatchers = WITH_MATCHERS.matcher(rest);
    while (withMatchers.find()) {
      Set<String> labels = new TreeSet<>();
      Matcher matcher = MATCHER.matcher(withMatchers.group(2));
      String metric = withMatchers.group(1);
      while (matcher.find()) {
        if (matcher.group(1).equals("__name__")) {
          throw new IllegalArgumentException("select by name, not __name__: " + expression);
        }
        labels.add(matcher.group(1));
      }
      if (metric == null) {
        throw new IllegalArgumentException("a selector without a metric name: " + expression);
      }
      selectors.add(new Selector(metric, labels));
    }
    rest = STRING.matcher(withMatchers.replaceAll(" ")).replaceAll(" ");

    Matcher name = NAME.matcher(rest);
    while (name.find()) {
      String word = name.group();
      boolean isCall = rest.substring(name.end()).stripLeading().startsWith("(");
      boolean isNumberPart = name.start() > 0 && Character.isDigit(rest.charAt(name.start() - 1));
      if (!isCall && !isNumberPart && !KEYWORDS.contains(word.toLowerCase())) {
        selectors.add(new Selector(word, Set.of()));
      }
    }
    return new PromQl(selectors, groupedBy);
  }
}
