package dev.restartbot.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP relay on a loopback port in front of a server, that can stop listening and drop every
 * open connection at once ({@link #refuse()}): what a client sees when the server's process dies or
 * its node goes away. {@link #accept()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {

  private final int upstreamPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger threads = new AtomicInteger();
  private volatile ServerSocket listener;

  public TcpProxy(int upstreamPort) {
    this.upstreamPort = upstreamPort;
    this.listener = bind(0);
    this.port = listener.getLocalPort();
    startAccepting(listener);
  }

  public int port() {
    return port;
  }

  /** Closes the port and every connection through it: new connections are refused. */
  public synchronized void refuse() {
    closeQuietly(listener);
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  /** Listens again on the same port. */
  public synchronized void accept() {
    if (!listener.isClosed()) {
      return;
    }
    listener = bind(port);
    startAccepting(listener);
  }

  /** Whether the port accepts connections now. */
  public boolean accepting() {
    return !listener.isClosed();
  }

  @Override
  public void close() {
    refuse();
  }

  private static ServerSocket bind(int port) {
    try {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return socket;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port, e);
    }
  }

  private void startAccepting(ServerSocket socket) {
    daemon(
        () -> {
          while (!socket.isClosed()) {
            try {
              Socket client = socket.accept();
              if (!register(socket, client)) {
                continue;
              }
              Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
              if (!register(socket, server)) {
                closeQuietly(client);
                continue;
              }
              daemon(() -> pump(client, server));
              daemon(() -> pump(server, client));
            } catch (IOException e) {
              // Closed by refuse(), or the upstream is gone: the loop condition decides.
            }
          }
        });
  }

  /**
   * Adds {@code connection} to those {@link #refuse()} closes, unless {@code listener} was closed
   * since it accepted: a connection accepted just before a cut would otherwise be added after the
   * cut had closed the others, and carry on through it. Answers whether it was added.
   */
  private synchronized boolean register(ServerSocket listener, Socket connection) {
    if (listener.isClosed()) {
      closeQuietly(connection);
      return false;
    }
    open.add(connection);
    return true;
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (SocketException e) {
      // Dropped by refuse() or by either side: the other pump ends the same way.
    } catch (IOException e) {
      // As above.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private void daemon(Runnable body) {
    Thread t = new Thread(body, "tcp-proxy-" + threads.incrementAndGet());
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // Closing a socket twice, or one already reset, is fine.
    }
  }
}
