package dev.restartbot.restart;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Kubernetes label selector, parsed and checked before it is sent, with the grammar of
 * apimachinery's {@code labels.Parse}: requirements separated by commas, each {@code key}, {@code
 * !key}, {@code key=value}, {@code key==value}, {@code key!=value}, {@code key in (a,b)} or {@code
 * key notin (a,b)}; label keys and values as Kubernetes validates them. {@link #toString} is the
 * canonical form that goes to the API server. Pure: problems are values, worded by the Slack edge.
 */
public record Selector(List<Requirement> requirements) {

  /** Longer than any selector a person types; keeps a hostile one out of logs and URLs. */
  public static final int MAX_LENGTH = 1000;

  /** The name part of a label key, and a label value: at most 63 characters. */
  public static final int MAX_NAME = 63;

  /** The prefix of a label key: a DNS subdomain of at most 253 characters. */
  public static final int MAX_PREFIX = 253;

  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern PREFIX =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  public Selector {
    requirements = List.copyOf(requirements);
    if (requirements.isEmpty()) {
      throw new IllegalArgumentException("a selector needs at least one requirement");
    }
  }

  /** How a requirement compares a label. */
  public enum Operator {
    EQUALS,
    NOT_EQUALS,
    IN,
    NOT_IN,
    EXISTS,
    DOES_NOT_EXIST
  }

  /** One requirement: all of them must hold. */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = List.copyOf(values);
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EQUALS -> key + "=" + values.get(0);
        case NOT_EQUALS -> key + "!=" + values.get(0);
        case IN -> key + " in (" + String.join(",", values) + ")";
        case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
      };
    }
  }

  /** What is wrong with a selector; {@code Malformed.near} says where. */
  public enum Problem {
    /** Nothing, or only blanks. */
    EMPTY,
    /** Longer than {@link #MAX_LENGTH}. */
    TOO_LONG,
    /** A label key is missing where one is needed. */
    MISSING_KEY,
    /** Not a valid label key. */
    BAD_KEY,
    /** Not a valid label value. */
    BAD_VALUE,
    /** After a key, something that is no operator. */
    EXPECTED_OPERATOR,
    /** {@code >} and {@code <}: Kubernetes has them for numbers, but this bot does not. */
    UNSUPPORTED_OPERATOR,
    /** {@code in} or {@code notin} without {@code (}. */
    EXPECTED_OPEN_PAREN,
    /** A set that does not end with {@code )}. */
    UNCLOSED_SET,
    /** {@code in ()}. */
    EMPTY_SET,
    /** After a requirement, something other than a comma. */
    EXPECTED_COMMA
  }

  /** The outcome of {@link #parse}. */
  public sealed interface Parsed {
    /** A usable selector. */
    record Valid(Selector selector) implements Parsed {}

    /**
     * A selector that cannot be sent.
     *
     * @param near the token where it went wrong, or empty at the end of the text
     */
    record Malformed(Problem problem, String near) implements Parsed {}
  }

  /** Parses {@code text}; never throws. */
  public static Parsed parse(String text) {
    if (text == null || text.isBlank()) {
      return new Parsed.Malformed(Problem.EMPTY, "");
    }
    if (text.length() > MAX_LENGTH) {
      return new Parsed.Malformed(Problem.TOO_LONG, "");
    }
    try {
      return new Parsed.Valid(new Parser(lex(text)).selector());
    } catch (Bad bad) {
      return new Parsed.Malformed(bad.problem, bad.near);
    }
  }

  /** Whether {@code key} is a valid label key: {@code [prefix/]name}. */
  public static boolean validKey(String key) {
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > MAX_PREFIX || !PREFIX.matcher(prefix).matches()) {
        return false;
      }
    }
    return !name.isEmpty() && name.length() <= MAX_NAME && NAME.matcher(name).matches();
  }

  /** Whether {@code value} is a valid label value (the empty value is). */
  public static boolean validValue(String value) {
    return value.isEmpty() || (value.length() <= MAX_NAME && NAME.matcher(value).matches());
  }

  /** The canonical form, as the API server's {@code labelSelector} parameter takes it. */
  @Override
  public String toString() {
    return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
  }

  private enum Kind {
    WORD,
    NOT,
    EQUALS,
    DOUBLE_EQUALS,
    NOT_EQUALS,
    OPEN,
    CLOSE,
    COMMA,
    GREATER,
    LESS,
    END
  }

  private record Token(Kind kind, String text) {}

  private static final String SPECIAL = "!=(),<>";

  /** Splits as apimachinery's lexer does: blanks separate, the special characters stand alone. */
  private static List<Token> lex(String text) {
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char ch = text.charAt(i);
      if (Character.isWhitespace(ch)) {
        i++;
      } else if (ch == '!' && i + 1 < text.length() && text.charAt(i + 1) == '=') {
        tokens.add(new Token(Kind.NOT_EQUALS, "!="));
        i += 2;
      } else if (ch == '=' && i + 1 < text.length() && text.charAt(i + 1) == '=') {
        tokens.add(new Token(Kind.DOUBLE_EQUALS, "=="));
        i += 2;
      } else if (SPECIAL.indexOf(ch) >= 0) {
        Kind kind =
            switch (ch) {
              case '!' -> Kind.NOT;
              case '=' -> Kind.EQUALS;
              case '(' -> Kind.OPEN;
              case ')' -> Kind.CLOSE;
              case ',' -> Kind.COMMA;
              case '<' -> Kind.LESS;
              default -> Kind.GREATER;
            };
        tokens.add(new Token(kind, String.valueOf(ch)));
        i++;
      } else {
        int start = i;
        while (i < text.length()
            && !Character.isWhitespace(text.charAt(i))
            && SPECIAL.indexOf(text.charAt(i)) < 0) {
          i++;
        }
        tokens.add(new Token(Kind.WORD, text.substring(start, i)));
      }
    }
    tokens.add(new Token(Kind.END, ""));
    return tokens;
  }

  /** A recursive-descent parser over the tokens; at most one pass. */
  private static final class Parser {
    private final List<Token> tokens;
    private int at;

    Parser(List<Token> tokens) {
      this.tokens = tokens;
    }

    Selector selector() {
      List<Requirement> requirements = new ArrayList<>();
      while (true) {
        requirements.add(requirement());
        Token next = next();
        if (next.kind() == Kind.END) {
          return new Selector(requirements);
        }
        if (next.kind() != Kind.COMMA) {
          throw new Bad(Problem.EXPECTED_COMMA, next.text());
        }
      }
    }

    private Requirement requirement() {
      Token first = next();
      if (first.kind() == Kind.NOT) {
        return new Requirement(key(next()), Operator.DOES_NOT_EXIST, List.of());
      }
      String key = key(first);
      Token op = peek();
      switch (op.kind()) {
        case END, COMMA -> {
          return new Requirement(key, Operator.EXISTS, List.of());
        }
        case EQUALS, DOUBLE_EQUALS -> {
          next();
          return new Requirement(key, Operator.EQUALS, List.of(value()));
        }
        case NOT_EQUALS -> {
          next();
          return new Requirement(key, Operator.NOT_EQUALS, List.of(value()));
        }
        case GREATER, LESS -> throw new Bad(Problem.UNSUPPORTED_OPERATOR, op.text());
        case WORD -> {
          next();
          if (op.text().equals("in")) {
            return new Requirement(key, Operator.IN, set());
          }
          if (op.text().equals("notin")) {
            return new Requirement(key, Operator.NOT_IN, set());
          }
          throw new Bad(Problem.EXPECTED_OPERATOR, op.text());
        }
        default -> throw new Bad(Problem.EXPECTED_OPERATOR, op.text());
      }
    }

    private String key(Token token) {
      if (token.kind() != Kind.WORD) {
        throw new Bad(Problem.MISSING_KEY, token.text());
      }
      if (!validKey(token.text())) {
        throw new Bad(Problem.BAD_KEY, token.text());
      }
      return token.text();
    }

    /** The value after {@code =} or {@code !=}; empty when none follows, as Kubernetes allows. */
    private String value() {
      Token token = peek();
      if (token.kind() == Kind.END || token.kind() == Kind.COMMA) {
        return "";
      }
      next();
      if (token.kind() != Kind.WORD || !validValue(token.text())) {
        throw new Bad(Problem.BAD_VALUE, token.text());
      }
      return token.text();
    }

    private List<String> set() {
      Token open = next();
      if (open.kind() != Kind.OPEN) {
        throw new Bad(Problem.EXPECTED_OPEN_PAREN, open.text());
      }
      if (peek().kind() == Kind.CLOSE) {
        throw new Bad(Problem.EMPTY_SET, "()");
      }
      Set<String> values = new LinkedHashSet<>();
      while (true) {
        Token token = next();
        if (token.kind() == Kind.WORD) {
          if (!validValue(token.text())) {
            throw new Bad(Problem.BAD_VALUE, token.text());
          }
          values.add(token.text());
          token = next();
        } else if (token.kind() == Kind.COMMA || token.kind() == Kind.CLOSE) {
          values.add(""); // "(a,)" holds the empty value, as in Kubernetes
        } else if (token.kind() == Kind.END) {
          throw new Bad(Problem.UNCLOSED_SET, "");
        } else {
          throw new Bad(Problem.BAD_VALUE, token.text());
        }
        if (token.kind() == Kind.CLOSE) {
          return List.copyOf(values);
        }
        if (token.kind() != Kind.COMMA) {
          throw new Bad(
              token.kind() == Kind.END ? Problem.UNCLOSED_SET : Problem.EXPECTED_COMMA,
              token.text());
        }
      }
    }

    private Token next() {
      Token token = tokens.get(at);
      if (token.kind() != Kind.END) {
        at++;
      }
      return token;
    }

    private Token peek() {
      return tokens.get(at);
    }
  }

  /** A parse that cannot go on; caught in {@link #parse}. */
  private static final class Bad extends RuntimeException {
    private final Problem problem;
    private final String near;

    Bad(Problem problem, String near) {
      super(null, null, false, false);
      this.problem = problem;
      this.near = near;
    }
  }
}
