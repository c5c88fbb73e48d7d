package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keeps the two Slack app manifests in step with the code: the command it handles, the endpoint it
 * serves, and the bot scopes of the Web API methods it calls.
 */
class SlackAppManifestTest {

  static final String HTTP = "slack-app-manifest.yml";
  static final String SOCKET_MODE = "slack-app-manifest.socket-mode.yml";

  static final Set<String> BOT_SCOPES =
      Set.of(
          "commands",
          "chat:write",
          "users:read",
          "usergroups:read",
          "channels:read",
          "groups:read");

  /**
   * The bot scope each Slack Web API method needs (https://api.slack.com/methods), for every method
   * the main sources call; an empty set means the method needs none.
   */
  static final Map<String, Set<String>> SCOPES_OF_METHOD =
      Map.ofEntries(
          Map.entry("chatPostMessage", Set.of("chat:write")),
          Map.entry("chatUpdate", Set.of("chat:write")),
          Map.entry("chatPostEphemeral", Set.of("chat:write")),
          Map.entry("usersInfo", Set.of("users:read")),
          // The app id, when auth.test does not name it (Installation).
          Map.entry("botsInfo", Set.of("users:read")),
          Map.entry("usergroupsUsersList", Set.of("usergroups:read")),
          // The modal's picked channel may be public or private: the bot must be in it.
          Map.entry("conversationsInfo", Set.of("channels:read", "groups:read")),
          Map.entry("viewsOpen", Set.of()),
          Map.entry("viewsUpdate", Set.of()),
          Map.entry("viewsPublish", Set.of()),
          Map.entry("authTest", Set.of()));

  // Web API calls go through SlackClient.call(name, m -> m.method(...)) or a MethodsClient.
  static final Pattern WEB_API_CALL = Pattern.compile("\\b(?:m|methods)\\.([a-zA-Z]+)\\(");

  static Path project() {
    // Surefire runs in the module directory and says so in basedir; an IDE may only do the first.
    return Path.of(System.getProperty("basedir", "")).toAbsolutePath();
  }

  static List<Object> documents(String file) throws IOException {
    LoaderOptions options = new LoaderOptions();
    // A repeated key would silently replace the first one, hiding a half-edited manifest.
    options.setAllowDuplicateKeys(false);
    List<Object> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(project().resolve(file))) {
      new Yaml(new SafeConstructor(options)).loadAll(reader).forEach(documents::add);
    }
    return documents;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> manifest(String file) throws IOException {
    List<Object> documents = documents(file);
    assertThat(documents).as(file).hasSize(1);
    assertThat(documents.get(0)).as(file).isInstanceOf(Map.class);
    return (Map<String, Object>) documents.get(0);
  }

  @SuppressWarnings("unchecked")
  static Object at(Map<String, Object> manifest, String... keys) {
    Object node = manifest;
    for (String key : keys) {
      assertThat(node).as(String.join(".", keys)).isInstanceOf(Map.class);
      node = ((Map<String, Object>) node).get(key);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> slashCommand(Map<String, Object> manifest) {
    Object commands = at(manifest, "features", "slash_commands");
    assertThat(commands).isInstanceOf(List.class);
    assertThat((List<Object>) commands).hasSize(1).first().isInstanceOf(Map.class);
    return (Map<String, Object>) ((List<Object>) commands).get(0);
  }

  static String eventsPath() {
    return SlackEventsResource.class.getAnnotation(jakarta.ws.rs.Path.class).value();
  }

  static boolean isUrlKey(String key) {
    return key.endsWith("url") || key.endsWith("urls");
  }

  /** Every key, as a dotted path, whose name says it holds a URL. */
  @SuppressWarnings("unchecked")
  static List<String> urlKeys(Object node, String where) {
    List<String> found = new ArrayList<>();
    if (node instanceof Map<?, ?> map) {
      ((Map<String, Object>) map)
          .forEach(
              (key, value) -> {
                String path = where.isEmpty() ? key : where + "." + key;
                if (isUrlKey(key)) {
                  found.add(path);
                }
                found.addAll(urlKeys(value, path));
              });
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        found.addAll(urlKeys(list.get(i), where + "[" + i + "]"));
      }
    }
    return found;
  }

  @SuppressWarnings("unchecked")
  static Object withoutUrls(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<String, Object>) map)
          .forEach(
              (key, value) -> {
                if (!isUrlKey(key)) {
                  copy.put(key, withoutUrls(value));
                }
              });
      return copy;
    }
    if (node instanceof List<?> list) {
      return list.stream().map(SlackAppManifestTest::withoutUrls).toList();
    }
    return node;
  }

  /** The Web API methods the main sources call, each with the files that call it. */
  static Map<String, Set<String>> webApiCalls() throws IOException {
    Path sources = project().resolve("src/main/java");
    Map<String, Set<String>> calls = new TreeMap<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher call = WEB_API_CALL.matcher(Files.readString(file));
        while (call.find()) {
          calls
              .computeIfAbsent(call.group(1), k -> new TreeSet<>())
              .add(sources.relativize(file).toString());
        }
      }
    }
    return calls;
  }

  @ParameterizedTest
  @ValueSource(strings = {HTTP, SOCKET_MODE})
  void eachManifestIsExactlyOneYamlDocument(String file) throws IOException {
    assertThat(documents(file)).as(file).hasSize(1).first().isInstanceOf(Map.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {HTTP, SOCKET_MODE})
  void eachManifestDeclaresTheSlashCommandTheAppHandles(String file) throws IOException {
    Map<String, Object> command = slashCommand(manifest(file));

    assertThat(command.get("command")).as(file).isEqualTo(SlackApp.COMMAND);
    assertThat(command.get("usage_hint")).as(file).asString().contains("history", "help");
  }

  @ParameterizedTest
  @ValueSource(strings = {HTTP, SOCKET_MODE})
  void eachManifestEnablesInteractivityForTheApprovalButtons(String file) throws IOException {
    assertThat(at(manifest(file), "settings", "interactivity", "is_enabled"))
        .as(file)
        .isEqualTo(true);
  }

  @ParameterizedTest
  @ValueSource(strings = {HTTP, SOCKET_MODE})
  void eachManifestAsksForExactlyTheBotScopes(String file) throws IOException {
    assertThat(at(manifest(file), "oauth_config", "scopes", "bot"))
        .as(file)
        .asInstanceOf(LIST)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(BOT_SCOPES);
  }

  @ParameterizedTest
  @ValueSource(strings = {HTTP, SOCKET_MODE})
  @SuppressWarnings("unchecked")
  void eachManifestDeclaresTheGlobalShortcutTheAppHandles(String file) throws IOException {
    Object shortcuts = at(manifest(file), "features", "shortcuts");

    assertThat(shortcuts).as(file).isInstanceOf(List.class);
    assertThat((List<Object>) shortcuts).as(file).hasSize(1);
    Map<String, Object> shortcut = (Map<String, Object>) ((List<Object>) shortcuts).get(0);
    assertThat(shortcut.get("callback_id")).as(file).isEqualTo(RestartModal.SHORTCUT);
    assertThat(shortcut.get("type")).as(file).isEqualTo("global");
    assertThat(shortcut.get("name")).as(file).asString().isNotBlank();
    assertThat(shortcut.get("description")).as(file).asString().isNotBlank();
  }

  @ParameterizedTest
  @ValueSource(strings = {HTTP, SOCKET_MODE})
  void eachManifestEnablesTheHomeTabAndSubscribesToTheEventsTheAppHandles(String file)
      throws IOException {
    Map<String, Object> manifest = manifest(file);

    assertThat(at(manifest, "features", "app_home", "home_tab_enabled")).as(file).isEqualTo(true);
    // The Home tab's opening, and the changes that drop a group or a person from the directory's
    // request-time cache; each needs a scope the app already has for its own calls.
    assertThat(at(manifest, "settings", "event_subscriptions", "bot_events"))
        .as(file)
        .asInstanceOf(LIST)
        .containsExactly("app_home_opened", "subteam_members_changed", "user_change");
    assertThat(at(manifest, "oauth_config", "scopes", "bot"))
        .as(file)
        .asInstanceOf(LIST)
        .contains("usergroups:read", "users:read");
  }

  @Test
  void theHttpManifestSendsCommandsAndClicksToTheEventsEndpoint() throws IOException {
    Map<String, Object> manifest = manifest(HTTP);
    String path = eventsPath();

    assertThat(path).isEqualTo("/slack/events");
    assertThat(slashCommand(manifest).get("url")).asString().startsWith("https://").endsWith(path);
    assertThat(at(manifest, "settings", "interactivity", "request_url"))
        .asString()
        .startsWith("https://")
        .endsWith(path);
    assertThat(at(manifest, "settings", "interactivity", "message_menu_options_url"))
        .asString()
        .startsWith("https://")
        .endsWith(path);
    assertThat(at(manifest, "settings", "event_subscriptions", "request_url"))
        .asString()
        .startsWith("https://")
        .endsWith(path);
    assertThat(at(manifest, "settings", "socket_mode_enabled")).isEqualTo(false);
  }

  @Test
  void theSocketModeManifestEnablesSocketModeAndHasNoUrlAnywhere() throws IOException {
    Map<String, Object> manifest = manifest(SOCKET_MODE);

    assertThat(at(manifest, "settings", "socket_mode_enabled")).isEqualTo(true);
    assertThat(urlKeys(manifest, "")).isEmpty();
  }

  @Test
  void theSocketModeManifestIsTheHttpOneWithoutUrlsAndWithSocketModeOn() throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> expected = (Map<String, Object>) withoutUrls(manifest(HTTP));
    @SuppressWarnings("unchecked")
    Map<String, Object> settings = (Map<String, Object>) expected.get("settings");
    settings.put("socket_mode_enabled", true);

    assertThat(manifest(SOCKET_MODE)).isEqualTo(expected);
  }

  @Test
  void theBotScopesAreExactlyThoseTheCodeNeeds() throws IOException {
    Map<String, Set<String>> calls = webApiCalls();
    // Guards against a scan that finds nothing because the sources moved.
    assertThat(calls).containsKey("chatPostMessage");

    Map<String, Set<String>> unknown = new TreeMap<>(calls);
    unknown.keySet().removeAll(SCOPES_OF_METHOD.keySet());
    assertThat(unknown)
        .withFailMessage(
            "The main sources call Slack Web API methods that SlackAppManifestTest does not know:"
                + " %s (method=[files calling it]). Add each to SCOPES_OF_METHOD with the bot scope"
                + " it needs (see https://api.slack.com/methods), and add that scope to both %s"
                + " and %s.",
            unknown, HTTP, SOCKET_MODE)
        .isEmpty();

    Set<String> needed = new TreeSet<>();
    // The slash command itself needs "commands"; it is registered, not called.
    needed.add("commands");
    calls.keySet().forEach(method -> needed.addAll(SCOPES_OF_METHOD.get(method)));

    for (String file : List.of(HTTP, SOCKET_MODE)) {
      @SuppressWarnings("unchecked")
      List<Object> scopes = (List<Object>) at(manifest(file), "oauth_config", "scopes", "bot");
      assertThat(scopes.stream().map(String::valueOf).collect(Collectors.toSet()))
          .as("bot scopes of %s against the Web API methods the code calls: %s", file, calls)
          .isEqualTo(needed);
    }
  }
}
