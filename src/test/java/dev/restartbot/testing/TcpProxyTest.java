package dev.restartbot.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The proxy the API-server fault tests cut: once {@link TcpProxy#refuse()} returns, no connection
 * through it carries anything, however close to the cut it was opened.
 */
class TcpProxyTest {

  static final int ATTEMPTS = 300;

  @Test
  void noConnectionOpenedAroundTheCutOutlivesIt() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
      Thread server =
          new Thread(
              () -> {
                while (!upstream.isClosed()) {
                  try {
                    Socket s = upstream.accept();
                    // An upstream that answers a moment later, when the cut is long done: only a
                    // connection that outlived it can carry the answer.
                    Thread answer =
                        new Thread(
                            () -> {
                              try {
                                Thread.sleep(50);
                                s.getOutputStream().write('x');
                              } catch (IOException | InterruptedException e) {
                                // the proxy closed it: as it should
                              }
                            });
                    answer.setDaemon(true);
                    answer.start();
                  } catch (IOException e) {
                    // closed at the end
                  }
                }
              });
      server.setDaemon(true);
      server.start();
      List<Integer> survivors = new ArrayList<>();
      int connected = 0;
      for (int i = 0; i < ATTEMPTS; i++) {
        try (TcpProxy proxy = new TcpProxy(upstream.getLocalPort())) {
          CountDownLatch go = new CountDownLatch(1);
          Socket[] client = new Socket[1];
          Thread connect =
              new Thread(
                  () -> {
                    try {
                      go.await();
                      client[0] = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
                    } catch (IOException | InterruptedException e) {
                      // refused: the cut came first
                    }
                  });
          connect.start();
          go.countDown();
          Thread.sleep(0, (i % 50) * 2_000);
          proxy.refuse();
          connect.join();
          if (client[0] != null && carriesAByte(client[0])) {
            survivors.add(i);
          }
          if (client[0] != null) {
            connected++;
            client[0].close();
          }
        }
      }
      assertThat(connected).as("connections made before the cut").isPositive();
      assertThat(survivors).as("connections that carried data after refuse()").isEmpty();
    }
  }

  /** Whether a byte from upstream comes through within a moment (a cut connection ends instead). */
  private static boolean carriesAByte(Socket socket) throws IOException {
    socket.setSoTimeout(200);
    try (InputStream in = socket.getInputStream()) {
      return in.read() >= 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return false;
    }
  }
}
