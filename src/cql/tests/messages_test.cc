// cql/tests/messages_test.cc: request frames and response decoding against golden bytes.
#include "cql/messages.h"

#include <gtest/gtest.h>

#include "cql/tests/hex.h"

namespace kascade::cql {
namespace {
using testing::hex;
using testing::unhex;

FrameHeader response_header(uint8_t flags = 0) {
  FrameHeader h;
  h.response = true;
  h.flags = flags;
  h.opcode = Opcode::result;
  return h;
}

TEST(Messages, QueryFrameWithPaging) {
  const std::string f = query_frame(4, "SELECT 1", {.consistency = Consistency::one, .page_size = 100});
  EXPECT_EQ(hex(f), hex(unhex("04 00 00 00 07 00 00 00 13 00 00 00 08" + hex("SELECT 1") + "00 01 04 00 00 00 64")));
}

TEST(Messages, QueryFrameWithPagingState) {
  const std::string f =
      query_frame(4, "S", {.consistency = Consistency::quorum, .page_size = 2, .paging_state = "\x01"});
  EXPECT_EQ(hex(f), "04 00 00 00 07 00 00 00 11 00 00 00 01 53 00 04 0c 00 00 00 02 00 00 00 01 01");
}

TEST(Messages, PrepareFrame) { EXPECT_EQ(hex(prepare_frame(4, "X")), "04 00 00 00 09 00 00 00 05 00 00 00 01 58"); }

TEST(Messages, AuthResponseIsSaslPlain) {
  EXPECT_EQ(hex(auth_response_frame(4, "u", "p")), "04 00 00 00 0f 00 00 00 08 00 00 00 04 00 75 00 70");
}

TEST(Messages, RegisterFrame) {
  EXPECT_EQ(hex(register_frame(4, {"SCHEMA_CHANGE"})),
            hex(unhex("04 00 00 00 0b 00 00 00 11 00 01 00 0d" + hex("SCHEMA_CHANGE"))));
}

TEST(Messages, ParsesErrors) {
  auto e = parse_error(unhex("00 00 20 00 00 05" + hex("oops!")));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->code, error_code::syntax_error);
  EXPECT_EQ(e->message, "oops!");
  EXPECT_EQ(to_error(*e).code, Errc::invalid_argument);
  EXPECT_FALSE(to_error(*e).retriable);

  auto unprepared = parse_error(unhex("00 00 25 00 00 03 62 61 64 00 02 ab cd"));
  ASSERT_TRUE(unprepared.ok());
  EXPECT_EQ(unprepared->unprepared_id, std::string("\xab\xcd", 2));

  auto timeout = to_error(ServerError{error_code::write_timeout, "slow", {}});
  EXPECT_TRUE(timeout.retriable);
  EXPECT_EQ(timeout.code, Errc::timeout);
  EXPECT_FALSE(parse_error(unhex("00 00 20")).ok());
}

TEST(Messages, EnvelopeCarriesWarnings) {
  const std::string body = unhex("00 01 00 03 68 65 79 00 00 00 01");
  auto env = parse_envelope(response_header(frame_flag::warning), body);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->warnings, std::vector<std::string>{"hey"});
  EXPECT_EQ(hex(env->payload), "00 00 00 01");
}

TEST(Messages, EnvelopeSkipsTracingId) {
  const std::string body = unhex("00112233445566778899aabbccddeeff 00 00 00 01");
  auto env = parse_envelope(response_header(frame_flag::tracing), body);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(hex(env->payload), "00 00 00 01");
}

TEST(Messages, ParsesRows) {
  // Two columns (a int, b list<text>) of table ks.t, two rows, the second all null.
  const std::string body = unhex(
      "00 00 00 02  00 00 00 01  00 00 00 02  00 02 6b 73  00 01 74"
      "  00 01 61 00 09   00 01 62 00 20 00 0d"
      "  00 00 00 02"
      "  00 00 00 04 00 00 00 2a   00 00 00 0a 00 00 00 01 00 00 00 02 68 69"
      "  ff ff ff ff  ff ff ff ff");
  auto m = parse_result(body);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->kind, ResultKind::rows);
  const auto& columns = m->rows.metadata.columns;
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[0].keyspace, "ks");
  EXPECT_EQ(columns[1].name, "b");
  EXPECT_EQ(columns[1].type.name(), "list<text>");
  ASSERT_EQ(m->rows.rows.size(), 2u);
  EXPECT_EQ(m->rows.rows[0][0], CqlValue{int64_t{42}});
  EXPECT_EQ(m->rows.rows[0][1], (CqlValue{CqlList{CqlValue{std::string("hi")}}}));
  EXPECT_TRUE(m->rows.rows[1][0].is_null());
  EXPECT_FALSE(m->rows.metadata.has_more_pages);
}

TEST(Messages, ParsesPagingState) {
  const std::string body = unhex("00 00 00 02  00 00 00 06  00 00 00 00  00 00 00 02 ca fe  00 00 00 00");
  auto m = parse_result(body);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->rows.metadata.has_more_pages);
  EXPECT_EQ(m->rows.metadata.paging_state, std::string("\xca\xfe", 2));
}

TEST(Messages, ParsesPrepared) {
  const std::string body = unhex(
      "00 00 00 04  00 02 ab cd  00 00 00 01  00 00 00 01  00 00 00 01 00 00"
      "  00 02 6b 73 00 01 74  00 02 69 64 00 0c"
      "  00 00 00 04 00 00 00 00");
  auto m = parse_result(body);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->kind, ResultKind::prepared);
  EXPECT_EQ(m->prepared.id, std::string("\xab\xcd", 2));
  ASSERT_EQ(m->prepared.bind_columns.size(), 1u);
  EXPECT_EQ(m->prepared.bind_columns[0].type.id, TypeId::uuid);
  EXPECT_EQ(m->prepared.partition_key_indexes, std::vector<uint16_t>{0});
}

TEST(Messages, RejectsAPartitionKeyIndexOutOfRange) {
  const std::string body = unhex(
      "00 00 00 04  00 02 ab cd  00 00 00 01  00 00 00 01  00 00 00 01 00 05"
      "  00 02 6b 73 00 01 74  00 02 69 64 00 0c  00 00 00 04 00 00 00 00");
  EXPECT_FALSE(parse_result(body).ok());
}

TEST(Messages, ParsesSchemaChangeAndSetKeyspace) {
  auto change =
      parse_result(unhex("00 00 00 05 00 07" + hex("CREATED") + "00 05" + hex("TABLE") + "00 02 6b 73 00 01 74"));
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->schema_change.change, "CREATED");
  EXPECT_EQ(change->schema_change.name, "t");
  auto use = parse_result(unhex("00 00 00 03 00 02 6b 73"));
  ASSERT_TRUE(use.ok());
  EXPECT_EQ(use->keyspace, "ks");
}

TEST(Messages, ParsesSchemaChangeEvents) {
  auto e = parse_event(
      unhex("00 0d" + hex("SCHEMA_CHANGE") + "00 07" + hex("DROPPED") + "00 08" + hex("KEYSPACE") + "00 02 6b 73"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, "SCHEMA_CHANGE");
  EXPECT_EQ(e->schema_change.target, "KEYSPACE");
  EXPECT_EQ(e->schema_change.keyspace, "ks");
}

TEST(Messages, RejectsTruncatedResults) {
  EXPECT_FALSE(parse_result(unhex("00 00 00 02 00 00 00 00")).ok());
  EXPECT_FALSE(parse_result(unhex("00 00 00 09")).ok());
  EXPECT_FALSE(parse_result(unhex("00 00")).ok());
}

TEST(Messages, ConsistencyNames) {
  EXPECT_EQ(*parse_consistency("LOCAL_QUORUM"), Consistency::local_quorum);
  EXPECT_EQ(*parse_consistency("one"), Consistency::one);
  EXPECT_FALSE(parse_consistency("most").ok());
}

}  // namespace
}  // namespace kascade::cql
