// The TLS transport against an in-process OpenSSL server on 127.0.0.1 (no
// Cassandra): verified handshakes, refusals naming OpenSSL's reason, a bounded
// handshake, and one thread writing while another reads.
#include "cql/tls.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "cql/transport.h"
#include "testing/temp_dir.h"

namespace kascade::cql {
namespace {

using namespace std::chrono_literals;

// A CA and a server certificate for IP 127.0.0.1 only, made by the openssl tool.
struct Certificates {
  test_support::TempDir dir{"cql-tls"};
  Certificates() {
    const std::string cmd = "cd '" + dir.path +
                            "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
                            "-subj '/CN=test CA' && openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key "
                            "-out other.pem -days 2 -subj '/CN=other CA' && openssl req -new -newkey rsa:2048 -nodes "
                            "-keyout node.key -out node.csr -subj '/CN=127.0.0.1' && printf "
                            "'subjectAltName=IP:127.0.0.1\\n' > node.ext && openssl x509 -req -in node.csr -CA ca.pem "
                            "-CAkey ca.key -CAcreateserial -days 2 -extfile node.ext -out node.pem";
    EXPECT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << "openssl could not make certificates";
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

const Certificates& certificates() {
  static Certificates c;
  return c;
}

// Listens on 127.0.0.1; serve(fd) runs for the first accepted connection.
struct Server {
  int listener = -1;
  uint16_t port = 0;
  std::thread thread;
  template <typename Serve>
  explicit Server(Serve serve) {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(listener, 4), 0);
    socklen_t len = sizeof a;
    getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread = std::thread([this, serve] {
      // The server writes to clients that may have left: SIGPIPE must not end
      // the test, yet stays deliverable to the client's threads (which guard it).
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      const int fd = accept(listener, nullptr, nullptr);
      if (fd >= 0) {
        serve(fd);
        ::close(fd);
      }
    });
  }
  ~Server() {
    ::shutdown(listener, SHUT_RDWR);
    thread.join();
    ::close(listener);
  }
};

// A TLS echo server presenting node.pem.
void serve_tls_echo(int fd) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate_file(ctx, certificates().file("node.pem").c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_use_PrivateKey_file(ctx, certificates().file("node.key").c_str(), SSL_FILETYPE_PEM);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    char buf[16384];
    size_t got = 0, put = 0;
    while (SSL_read_ex(ssl, buf, sizeof buf, &got) == 1) {
      if (SSL_write_ex(ssl, buf, got, &put) != 1) break;
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

std::shared_ptr<const TlsContext> context(const std::string& ca, bool verify_host = true) {
  auto c = TlsContext::create({.enabled = true, .ca_file = ca, .verify_host = verify_host});
  EXPECT_TRUE(c.ok()) << c.error().message;
  return c.ok() ? *c : nullptr;
}

auto deadline() { return Transport::Clock::now() + 5s; }

TEST(TlsTest, EchoesAMegabyteWrittenWhileAnotherThreadReads) {
  Server server(serve_tls_echo);
  auto t = Transport::open("127.0.0.1", server.port, context(certificates().file("ca.pem")), deadline());
  ASSERT_TRUE(t.ok()) << t.error().message;
  std::string sent(1 << 20, '\0');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 131 % 251);
  std::string received;
  std::thread reader([&] {
    char buf[65536];
    // 0 means "nothing yet" (e.g. only a TLS 1.3 session ticket arrived), not the end.
    const auto give_up = Transport::Clock::now() + 30s;
    while (received.size() < sent.size() && Transport::Clock::now() < give_up) {
      auto got = (*t)->read_some(buf, sizeof buf, 1000);
      if (!got) return;
      received.append(buf, *got);
    }
  });
  for (size_t at = 0; at < sent.size(); at += 100000) {  // many writes, each racing the reader
    ASSERT_TRUE((*t)->write_all(std::string_view(sent).substr(at, 100000), 5000ms).ok());
  }
  reader.join();
  EXPECT_TRUE(received == sent) << "received " << received.size() << " bytes";
  (*t)->shutdown();
}

TEST(TlsTest, RefusesACertificateForAnotherHostNameNotRetriable) {
  Server server(serve_tls_echo);
  auto t = Transport::open("localhost", server.port, context(certificates().file("ca.pem")), deadline());
  ASSERT_FALSE(t.ok());
  EXPECT_FALSE(t.error().retriable);
  EXPECT_NE(t.error().message.find("localhost:" + std::to_string(server.port)), std::string::npos);
  EXPECT_NE(t.error().message.find("hostname mismatch"), std::string::npos) << t.error().message;
}

TEST(TlsTest, AcceptsAnotherHostNameWhenOnlyTheChainIsChecked) {
  Server server(serve_tls_echo);
  auto t = Transport::open("localhost", server.port, context(certificates().file("ca.pem"), false), deadline());
  EXPECT_TRUE(t.ok()) << t.error().message;
}

TEST(TlsTest, RefusesACertificateOfAnotherCa) {
  Server server(serve_tls_echo);
  auto t = Transport::open("127.0.0.1", server.port, context(certificates().file("other.pem")), deadline());
  ASSERT_FALSE(t.ok());
  EXPECT_FALSE(t.error().retriable);
  EXPECT_NE(t.error().message.find("unable to get local issuer certificate"), std::string::npos) << t.error().message;
}

TEST(TlsTest, AServerThatNeverAnswersTimesOutTheHandshake) {
  Server server([](int fd) {
    char buf[4096];  // takes the ClientHello, never answers, until the client leaves
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  });
  // The certificates (made on first use) and the context before the clock starts: only the handshake is timed.
  auto client_context = context(certificates().file("ca.pem"));
  const auto start = Transport::Clock::now();
  auto t = Transport::open("127.0.0.1", server.port, client_context, Transport::Clock::now() + 300ms);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::timeout);
  EXPECT_LT(Transport::Clock::now() - start, 3s);
}

TEST(TlsTest, AMissingCaFileIsAConfigErrorNamingIt) {
  auto c = TlsContext::create({.enabled = true, .ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::config);
  EXPECT_NE(c.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  auto half = TlsContext::create({.enabled = true, .cert_file = certificates().file("node.pem")});
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code, Errc::config);
}

}  // namespace
}  // namespace kascade::cql
