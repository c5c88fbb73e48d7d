package dev.restartbot.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.testing.FakeSlackApi;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sandbox in a real headless Chromium, driven as a newcomer would: the requester types {@code
 * /restart payments-api}, the approver clicks Approve and confirms, and the thread ends rolled out;
 * the same request filed through the modal and approved from the approver's Home tab. Everything
 * between the page and the bot is real: signed HTTP requests to {@code /slack/events}, Bolt, the
 * policy, the executor and the kubectl-style rollout follower.
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
// The main flow first, so that its screenshot shows a channel with nothing else in it.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxBrowserTest {

  private static final Logger LOG = Logger.getLogger(SandboxBrowserTest.class);
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(60);
  static final Path SCREENSHOT = Path.of("target", "sandbox", "sandbox.png");
  static final Path MODAL_SCREENSHOT = Path.of("target", "sandbox", "sandbox-modal.png");
  static final Path HOME_SCREENSHOT = Path.of("target", "sandbox", "sandbox-home.png");

  @TestHTTPResource("/sandbox")
  URL page;

  private WebDriver driver;
  private WebDriverWait wait;
  private Path profileDir;

  @BeforeEach
  void startBrowser() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String why =
          "SKIPPED the sandbox browser test: "
              + CHROMIUM
              + " or "
              + CHROMEDRIVER
              + " is missing. Install them with `apt-get install -y chromium chromium-driver`"
              + " (.ci/run does).";
      LOG.warn(why);
      Assumptions.assumeTrue(false, why);
    }
    profileDir = Files.createTempDirectory("sandbox-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
        "--user-data-dir=" + profileDir);
    // The driver is named explicitly, so Selenium Manager never looks for (or downloads) one.
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(1280, 860));
    // The page redraws a message whenever the bot edits it: look elements up again then.
    wait = new WebDriverWait(driver, WAIT);
    wait.ignoring(StaleElementReferenceException.class);
  }

  @AfterEach
  void stopBrowser() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (profileDir != null) {
      try (var files = Files.walk(profileDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void requesterAsksApproverApprovesAndTheThreadEndsRolledOut() throws IOException {
    FakeSlackApi.get().reset();
    open();
    actAs("requester");
    type("/restart payments-api --reason \"leaking memory\"");

    // Alice alone sees the ack; everyone sees the approval message with its buttons.
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector(".message.ephemeral"), "submitted"));
    WebElement approval = approvalMessage("payments-api");
    assertThat(approval.getText()).contains("Alice Moreau", "leaking memory", "3/3 ready");

    actAs("outsider");
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".ephemeral")));

    actAs("approver");
    approvalMessage("payments-api")
        .findElement(By.cssSelector("[data-action-id=restart_approve]"))
        .click();
    WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog")));
    assertThat(dialog.getText()).contains("Restart now?", "payments-api in payments");
    driver.findElement(By.id("dialog-confirm")).click();

    wait.until(d -> threadOf("payments-api").contains("rolled out (3 pods)"));
    wait.until(d -> threadOf("payments-api").contains("Done: 1 rolled out"));
    wait.until(d -> approvalMessage("payments-api").getText().contains("Approved by @Bob Okafor"));
    // The page may redraw the message between finding it and reading it: ask again if so.
    wait.ignoring(StaleElementReferenceException.class)
        .until(
            d ->
                approvalMessage("payments-api")
                    .findElements(By.cssSelector("[data-action-id]"))
                    .isEmpty());
    // The side bar polls the cluster on its own beat: it catches up a moment later.
    wait.until(d -> cluster("payments/Deployment/payments-api").endsWith("3/3 ready"));
    // So does the panel of the bot's own figures, read from /q/metrics.
    wait.until(d -> figure(d, "restarts-rolled_out") >= 1);
    wait.until(d -> figure(d, "requests") >= 1);

    // The requester's view, with her own ephemeral answer, is the picture for the README.
    actAs("requester");
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector(".message.ephemeral"), "submitted"));
    screenshot(SCREENSHOT);

    // The real Slack settings in the profile were never used.
    assertThat(FakeSlackApi.get().calls()).isEmpty();
  }

  @Test
  @Order(2)
  void aFailingWorkloadEndsAsAFailedRollout() {
    open();
    actAs("requester");
    type("/restart payments-reports");
    actAs("approver");
    approvalMessage("payments-reports")
        .findElement(By.cssSelector("[data-action-id=restart_approve]"))
        .click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog")));
    driver.findElement(By.id("dialog-confirm")).click();
    wait.until(d -> threadOf("payments-reports").contains("rollout failed after"));
    assertThat(threadOf("payments-reports"))
        .contains(
            "exceeded its progress deadline", "kubectl rollout undo deployment/payments-reports");
  }

  @Test
  @Order(3)
  void selfApprovalIsRefusedWhereOnlyTheRequesterSeesIt() {
    open();
    actAs("requester");
    type("/restart checkout");
    approvalMessage("checkout")
        .findElement(By.cssSelector("[data-action-id=restart_approve]"))
        .click();
    driver.findElement(By.id("dialog-confirm")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector(".messages"), "someone else must approve it"));
    actAs("approver");
    wait.until(d -> !d.findElement(By.id("messages")).getText().contains("someone else must"));
    approvalMessage("checkout")
        .findElement(By.cssSelector("[data-action-id=restart_deny]"))
        .click();
    wait.until(d -> approvalMessage("checkout").getText().contains("Denied by @Bob Okafor"));
  }

  @Test
  @Order(4)
  void botTextIsRenderedAsMrkdwnNeverAsHtml() {
    String text =
        "*bold* _italic_ `code` <@U0SBBOB> <https://example.com/runbook|the runbook>"
            + " &lt;img src=x onerror=\"document.title='owned'\"&gt; <javascript:alert(1)|click>";
    given()
        .contentType("application/json")
        .body(
            Map.of("user", SandboxWorkspace.REQUESTER.id(), "command", "/restart x", "text", text))
        .post("/sandbox/api/acks")
        .then()
        .statusCode(200);
    open();
    actAs("requester");
    WebElement message =
        wait.until(
            d ->
                d.findElements(By.cssSelector(".message.ephemeral")).stream()
                    .filter(m -> m.getText().contains("the runbook"))
                    .findFirst()
                    .orElse(null));
    assertThat(message.findElement(By.tagName("strong")).getText()).isEqualTo("bold");
    assertThat(message.findElement(By.tagName("em")).getText()).isEqualTo("italic");
    assertThat(message.findElement(By.cssSelector(".mention")).getText()).isEqualTo("@Bob Okafor");
    assertThat(message.findElement(By.cssSelector("a")).getAttribute("href"))
        .isEqualTo("https://example.com/runbook");
    // Escaped markup stays text, and a javascript: link is not a link.
    assertThat(message.getText()).contains("<img src=x onerror=", "click");
    assertThat(message.findElements(By.tagName("img"))).isEmpty();
    assertThat(message.findElements(By.cssSelector("a"))).hasSize(1);
    assertThat(driver.getTitle()).isNotEqualTo("owned");
  }

  @Test
  @Order(5)
  void risksAreShownAndAVaultRestartNeedsTwoOfItsThreeApprovers() {
    open();
    actAs("requester");
    type("/restart payments-batch");
    assertThat(approvalMessage("payments-batch").getText())
        .contains("Strategy Recreate: every pod stops before the new ones start.");

    type("/restart sts/vault -n vault");
    WebElement vault = messageAbout("statefulset/vault");
    assertThat(vault.getText())
        .contains("No spare pod")
        .contains("0 of 2 approvals")
        .doesNotContain("payments-batch");

    actAs("approver");
    messageAbout("statefulset/vault")
        .findElement(By.cssSelector("[data-action-id=restart_approve]"))
        .click();
    WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog")));
    assertThat(dialog.getText()).contains("1 of 2 approvals; the restart starts at 2.");
    driver.findElement(By.id("dialog-confirm")).click();
    wait.until(d -> messageAbout("statefulset/vault").getText().contains("1 of 2 approvals: @Bob"));

    actAsUser(SandboxWorkspace.VAULT_APPROVER.id());
    messageAbout("statefulset/vault")
        .findElement(By.cssSelector("[data-action-id=restart_approve]"))
        .click();
    dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog")));
    assertThat(dialog.getText()).contains("2 of 2: this approval starts the restart.");
    driver.findElement(By.id("dialog-confirm")).click();
    wait.until(
        d ->
            messageAbout("statefulset/vault")
                .getText()
                .contains("Approved by @Bob Okafor, @Dan Novak"));
    wait.until(
        d -> {
          List<WebElement> thread =
              messageAbout("statefulset/vault").findElements(By.cssSelector(".thread"));
          return !thread.isEmpty() && thread.get(0).getText().contains("rolled out");
        });
  }

  @Test
  @Order(6)
  void aRequestFiledThroughTheModalIsApprovedFromAppHome() throws IOException {
    open();
    actAs("requester");
    type("/restart");
    WebElement modal = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("modal")));
    assertThat(modal.findElement(By.id("modal-title")).getText()).isEqualTo("Restart");

    // Nothing picked: the bot's error shows under the field, and the modal stays open.
    driver.findElement(By.id("modal-submit")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#modal .field-error[data-block-id=targets]"),
            "Pick at least one workload."));
    assertThat(modal.isDisplayed()).isTrue();

    new Select(driver.findElement(By.cssSelector("#modal select[data-action-id=namespace]")))
        .selectByValue("payments");
    pickTarget("api", "staging/payments/deployment/payments-api");
    driver
        .findElement(By.cssSelector("#modal [data-action-id=reason]"))
        .sendKeys("rotated database credentials");
    screenshot(MODAL_SCREENSHOT);
    driver.findElement(By.id("modal-submit")).click();

    // The bot answers the submission with its confirmation in the modal's place.
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("modal-submit")));
    assertThat(driver.findElement(By.id("modal-blocks")).getText()).contains("submitted");
    driver.findElement(By.id("modal-close")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("modal")));
    WebElement approval = messageWith("rotated database credentials");
    assertThat(approval.getText()).contains("Alice Moreau", "deployment/payments-api");

    actAs("approver");
    driver.findElement(By.id("home-link")).click();
    By approve =
        By.xpath(
            "//div[@id='home-blocks']//div[contains(@class,'block-section')]"
                + "[contains(.,'rotated database credentials')]"
                + "/following-sibling::div[contains(@class,'block-actions')][1]"
                + "//button[@data-action-id='restart_approve']");
    wait.until(ExpectedConditions.visibilityOfElementLocated(approve));
    assertThat(driver.findElement(By.id("home-blocks")).getText())
        .contains("Waiting for you", "Your requests", "Running now");
    screenshot(HOME_SCREENSHOT);
    driver.findElement(approve).click();
    WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog")));
    assertThat(dialog.getText()).contains("Restart now?", "payments-api in payments");
    driver.findElement(By.id("dialog-confirm")).click();
    // The bot publishes the tab again: the request waits for nobody now.
    wait.until(ExpectedConditions.invisibilityOfElementLocated(approve));

    driver.findElement(By.id("channel-link")).click();
    wait.until(
        d ->
            messageWith("rotated database credentials")
                .getText()
                .contains("Approved by @Bob Okafor"));
    wait.until(
        d -> {
          List<WebElement> thread =
              messageWith("rotated database credentials").findElements(By.cssSelector(".thread"));
          return !thread.isEmpty() && thread.get(0).getText().contains("rolled out (3 pods)");
        });
  }

  @Test
  @Order(7)
  void theShortcutOpensTheModalWithAChannelToPick() {
    open();
    actAs("requester");
    driver.findElement(By.id("shortcut")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("modal")));
    new Select(driver.findElement(By.cssSelector("#modal select[data-action-id=channel]")))
        .selectByValue(SandboxWorkspace.CHANNEL_ID);
    pickTarget("checkout", "staging/payments/deployment/checkout");
    driver
        .findElement(By.cssSelector("#modal [data-action-id=reason]"))
        .sendKeys("picked from the shortcut");
    driver.findElement(By.id("modal-submit")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("modal-submit")));
    driver.findElement(By.id("modal-close")).click();
    assertThat(messageWith("picked from the shortcut").getText())
        .contains("Alice Moreau", "deployment/checkout");
  }

  /** Types {@code typed} into the modal's workload picker and picks the option {@code value}. */
  private void pickTarget(String typed, String value) {
    driver.findElement(By.cssSelector("#modal .external-select input")).sendKeys(typed);
    By suggestion = By.cssSelector("#modal .suggestion[data-value='" + value + "']");
    // The list is drawn again as each answer to the typed text arrives (and when the modal is
    // updated): an option found before that goes stale, so find it again until a click lands.
    wait.until(
        d -> {
          try {
            WebElement option = d.findElement(suggestion);
            if (!option.isDisplayed() || !option.isEnabled()) {
              return false;
            }
            option.click();
            return true;
          } catch (StaleElementReferenceException | NoSuchElementException e) {
            return false;
          }
        });
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#modal .chip[data-value='" + value + "']")));
  }

  /** The latest top-level message of the bot that says {@code text}. */
  private WebElement messageWith(String text) {
    return wait.until(
        d -> {
          List<WebElement> found =
              d.findElements(By.cssSelector("#messages > .message:not(.ephemeral)")).stream()
                  .filter(m -> m.getText().contains(text))
                  .toList();
          return found.isEmpty() ? null : found.get(found.size() - 1);
        });
  }

  private void actAsUser(String id) {
    driver.findElement(By.cssSelector(".person[data-user=" + id + "]")).click();
    wait.until(
        ExpectedConditions.attributeToBe(
            By.cssSelector(".person[data-user=" + id + "]"), "aria-checked", "true"));
    // The channel is drawn afresh for the new person: elements found before then go stale.
    wait.until(ExpectedConditions.attributeToBe(By.id("messages"), "data-user", id));
  }

  /** The latest top-level message of the bot that names {@code ref}, as {@code kind/name}. */
  private WebElement messageAbout(String ref) {
    return wait.until(
        d -> {
          List<WebElement> found =
              d.findElements(By.cssSelector("#messages > .message:not(.ephemeral)")).stream()
                  .filter(m -> m.getText().contains(ref))
                  .toList();
          return found.isEmpty() ? null : found.get(found.size() - 1);
        });
  }

  private void open() {
    driver.get(page.toString());
    wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-ready")));
  }

  private void actAs(String role) {
    actAsUser(
        driver
            .findElement(By.cssSelector(".person[data-role=" + role + "]"))
            .getAttribute("data-user"));
  }

  private void type(String line) {
    WebElement input = driver.findElement(By.id("composer-input"));
    input.sendKeys(line, Keys.ENTER);
    wait.until(d -> input.getAttribute("value").isEmpty());
  }

  /** The latest top-level message of the bot about {@code name} that carries buttons or a state. */
  private WebElement approvalMessage(String name) {
    return wait.until(
        d -> {
          List<WebElement> found =
              d.findElements(By.cssSelector("#messages > .message:not(.ephemeral)")).stream()
                  .filter(m -> m.getText().contains("deployment/" + name))
                  .toList();
          return found.isEmpty() ? null : found.get(found.size() - 1);
        });
  }

  /** What the thread under the approval message about {@code name} says now. */
  private String threadOf(String name) {
    List<WebElement> thread = approvalMessage(name).findElements(By.cssSelector(".thread"));
    return thread.isEmpty() ? "" : thread.get(0).getText();
  }

  private String cluster(String key) {
    return wait.until(
        d -> {
          List<WebElement> rows = d.findElements(By.cssSelector("[data-workload='" + key + "']"));
          return rows.isEmpty() ? null : rows.get(0).getText();
        });
  }

  /** A figure of the side bar's metrics panel; -1 until it shows. */
  private static double figure(WebDriver driver, String key) {
    List<WebElement> rows = driver.findElements(By.cssSelector("[data-figure='" + key + "'] dd"));
    return rows.isEmpty() ? -1 : Double.parseDouble(rows.get(0).getText());
  }

  private void screenshot(Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Path shot =
        ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    LOG.infof("sandbox screenshot: %s", target.toAbsolutePath());
  }
}
