package dev.restartbot.policy;

/**
 * Shell-style name patterns for the allowlist: {@code *} is any run of characters, {@code ?} one
 * character, everything else literal. Matched by hand rather than through a regex so that no
 * character of a configured name can ever be read as regex syntax.
 */
public final class Glob {

  private Glob() {}

  public static boolean matches(String glob, String text) {
    int g = 0;
    int t = 0;
    // Where the last '*' was and how much text it has swallowed so far, to backtrack to.
    int star = -1;
    int swallowed = 0;
    while (t < text.length()) {
      if (g < glob.length() && glob.charAt(g) == '*') {
        star = g++;
        swallowed = t;
      } else if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t))) {
        g++;
        t++;
      } else if (star >= 0) {
        g = star + 1;
        t = ++swallowed;
      } else {
        return false;
      }
    }
    while (g < glob.length() && glob.charAt(g) == '*') {
      g++;
    }
    return g == glob.length();
  }
}
