// cql/tests/binding_test.cc: typed cells bound to prepared statements: every column type's bytes,
// null and unset, the EXECUTE and BATCH frames, and routing tokens checked against the Python
// cassandra-driver's (Murmur3Token.hash_fn over the routing key the driver builds).
#include "cql/binding.h"

#include <gtest/gtest.h>

#include <array>

#include "cql/tests/hex.h"

namespace kascade::cql {
namespace {
using testing::hex;
using testing::unhex;

std::shared_ptr<const PreparedStatement> statement(std::vector<TypeId> markers, std::vector<uint16_t> key = {}) {
  auto s = std::make_shared<PreparedStatement>();
  s->cql = "INSERT ...";
  s->meta.id = std::string("\x01\x02", 2);
  for (size_t i = 0; i < markers.size(); ++i)
    s->meta.bind_columns.push_back({"ks", "t", "c" + std::to_string(i), TypeSpec::of(markers[i])});
  s->meta.partition_key_indexes = std::move(key);
  return s;
}

std::string encoded(TypeId type, const Cell& cell) {
  std::string out;
  BodyWriter w(out);
  auto status = encode_cell(TypeSpec::of(type), cell, "c", w);
  EXPECT_TRUE(status.ok()) << status.message();
  return hex(out);
}

Status encode_error(TypeId type, const Cell& cell) {
  std::string out;
  BodyWriter w(out);
  return encode_cell(TypeSpec::of(type), cell, "col", w);
}

TEST(EncodeCell, EveryColumnTypeKascadeCreates) {
  // The CQL type of each ColumnType, and a cell of it.
  EXPECT_STREQ(cql_type_name(ColumnType::text), "text");
  EXPECT_EQ(encoded(TypeId::varchar, Cell::of_text("h\xc3\xa9")), "00 00 00 03 68 c3 a9");
  EXPECT_STREQ(cql_type_name(ColumnType::int32), "int");
  EXPECT_EQ(encoded(TypeId::int_, Cell::of_integer(-2)), "00 00 00 04 ff ff ff fe");
  EXPECT_STREQ(cql_type_name(ColumnType::int64), "bigint");
  EXPECT_EQ(encoded(TypeId::bigint, Cell::of_integer(1)), "00 00 00 08 00 00 00 00 00 00 00 01");
  EXPECT_STREQ(cql_type_name(ColumnType::float64), "double");
  EXPECT_EQ(encoded(TypeId::double_, Cell::of_real(2.5)), "00 00 00 08 40 04 00 00 00 00 00 00");
  EXPECT_EQ(encoded(TypeId::double_, Cell::of_integer(2)), "00 00 00 08 40 00 00 00 00 00 00 00");
  EXPECT_STREQ(cql_type_name(ColumnType::timestamp), "timestamp");
  EXPECT_EQ(encoded(TypeId::timestamp, Cell::of_integer(1700000000123)), "00 00 00 08 00 00 01 8b cf e5 68 7b");
  EXPECT_STREQ(cql_type_name(ColumnType::uuid), "uuid");
  EXPECT_EQ(encoded(TypeId::uuid, Cell::of_text("01234567-89ab-cdef-0123-456789ABCDEF")),
            "00 00 00 10 01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef");
}

TEST(EncodeCell, OtherTypesACellFits) {
  EXPECT_EQ(encoded(TypeId::ascii, Cell::of_text("ok")), "00 00 00 02 6f 6b");
  EXPECT_EQ(encoded(TypeId::blob, Cell::of_text(std::string_view("\x00\xff", 2))), "00 00 00 02 00 ff");
  EXPECT_EQ(encoded(TypeId::smallint, Cell::of_integer(-2)), "00 00 00 02 ff fe");
  EXPECT_EQ(encoded(TypeId::tinyint, Cell::of_integer(127)), "00 00 00 01 7f");
  EXPECT_EQ(encoded(TypeId::float_, Cell::of_real(1.5)), "00 00 00 04 3f c0 00 00");
  EXPECT_EQ(encoded(TypeId::boolean, Cell::of_integer(1)), "00 00 00 01 01");
  EXPECT_EQ(encoded(TypeId::date, Cell::of_integer(0)), "00 00 00 04 80 00 00 00");
  EXPECT_EQ(encoded(TypeId::int_, Cell::of_real(41.9)), "00 00 00 04 00 00 00 29");  // truncated, as a cast
  EXPECT_EQ(encoded(TypeId::varchar, Cell{}), "ff ff ff ff");                        // a null
}

TEST(EncodeCell, RefusesWhatDoesNotFitNamingTheColumn) {
  auto bad_uuid = encode_error(TypeId::uuid, Cell::of_text("not-a-uuid"));
  ASSERT_FALSE(bad_uuid.ok());
  EXPECT_EQ(bad_uuid.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad_uuid.message(), "column col: not a uuid");
  auto text_in_int = encode_error(TypeId::int_, Cell::of_text("1"));
  ASSERT_FALSE(text_in_int.ok());
  EXPECT_NE(text_in_int.message().find("column col: a text value does not fit type int"), std::string::npos)
      << text_in_int.message();
  EXPECT_FALSE(encode_error(TypeId::int_, Cell::of_integer(int64_t{1} << 31)).ok());
  EXPECT_FALSE(encode_error(TypeId::tinyint, Cell::of_integer(128)).ok());
  EXPECT_FALSE(encode_error(TypeId::inet, Cell::of_integer(1)).ok());
}

TEST(BindExecute, ARowWithANullSendsItAsUnset) {
  const TableSchema schema{"t", {{"a", ColumnType::int32}, {"b", ColumnType::int32}}, {"a"}};
  RowBatch rows(&schema);
  rows.set_integer(rows.add_row(), 0, 5);  // b stays null
  std::string frame;
  auto token = bind_execute(*statement({TypeId::int_, TypeId::int_}), BoundValues::row(rows, 0),
                            {.consistency = Consistency::quorum}, frame);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(hex(frame), "04 00 00 00 0a 00 00 00 15 00 02 01 02 00 04 01 00 02 00 00 00 04 00 00 00 05 ff ff ff fe");
  EXPECT_FALSE(token->has_value());  // no partition key announced: no routing
}

TEST(BindExecute, CellsSendNullsAsNullsAndPagingAndSerialOptions) {
  const Cell cells[] = {Cell::of_text("k"), Cell{}};
  std::string frame;
  auto token = bind_execute(*statement({TypeId::varchar, TypeId::bigint}), BoundValues::cells(cells),
                            {.consistency = Consistency::serial,
                             .serial_consistency = Consistency::local_serial,
                             .page_size = 100,
                             .paging_state = "ps"},
                            frame);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(hex(frame),
            "04 00 00 00 0a 00 00 00 1e 00 02 01 02 00 08 1d 00 02 00 00 00 01 6b ff ff ff ff "
            "00 00 00 64 00 00 00 02 70 73 00 09");
}

TEST(BindExecute, ANullTextKeyCanBindAsEmptyText) {
  const Cell cells[] = {Cell{}, Cell{}};
  std::string frame;
  auto values = BoundValues::cells(cells, NullAs::unset);
  auto token = bind_execute(*statement({TypeId::varchar, TypeId::varchar}, {0}), values.empty_text_for_null_keys(),
                            {.consistency = Consistency::one}, frame);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(hex(frame).substr(hex(frame).size() - 23), "00 00 00 00 ff ff ff fe");  // '' then unset
  EXPECT_EQ(*token, std::optional<int64_t>(0));                                     // the token of the empty key
}

TEST(BindExecute, AValueCountOtherThanTheMarkersIsRefused) {
  const Cell cells[] = {Cell::of_integer(1)};
  std::string frame;
  EXPECT_FALSE(bind_execute(*statement({TypeId::int_, TypeId::int_}), BoundValues::cells(cells), {}, frame).ok());
}

// Expected tokens: Murmur3Token.hash_fn of the routing key the Python driver builds
// (a composite key's components each packed as ">H%dsB" % len, len, bytes, 0).
TEST(RoutingToken, OfASinglePartitionKey) {
  const Cell cells[] = {Cell::of_text("a name"), Cell::of_text("11111111-1111-4111-8111-111111111111")};
  std::string frame;
  auto token = bind_execute(*statement({TypeId::varchar, TypeId::uuid}, {1}), BoundValues::cells(cells), {}, frame);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, std::optional<int64_t>(-8940820316473308036LL));
  const Cell bigint[] = {Cell::of_integer(1700000000123)};
  token = bind_execute(*statement({TypeId::bigint}, {0}), BoundValues::cells(bigint), {}, frame);
  EXPECT_EQ(*token, std::optional<int64_t>(4788614612289393356LL));
}

TEST(RoutingToken, OfCompositePartitionKeysInTheirDeclaredOrder) {
  // ((topic, partition)) of the dead letters; the markers in another order than the key's.
  const Cell cells[] = {Cell::of_integer(3), Cell::of_integer(9), Cell::of_text("topic-a")};
  std::string frame;
  auto token = bind_execute(*statement({TypeId::int_, TypeId::bigint, TypeId::varchar}, {2, 0}),
                            BoundValues::cells(cells), {}, frame);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, std::optional<int64_t>(-1694095975892181591LL));
  const std::string_view three[] = {"group", "topic", "per_minute"};
  EXPECT_EQ(routing_token(three), -1863095824790886341LL);
}

TEST(RoutingToken, NoneWhenAKeyComponentIsNull) {
  const Cell cells[] = {Cell::of_text("topic-a"), Cell{}};
  std::string frame;
  auto token = bind_execute(*statement({TypeId::varchar, TypeId::int_}, {0, 1}), BoundValues::cells(cells), {}, frame);
  ASSERT_TRUE(token.ok());
  EXPECT_FALSE(token->has_value());
}

TEST(Batch, UnloggedOfPreparedStatements) {
  Batch batch(BatchType::unlogged);
  const Cell five[] = {Cell::of_integer(5)};
  ASSERT_TRUE(batch.add(statement({TypeId::int_}, {0}), BoundValues::cells(five)).ok());
  EXPECT_EQ(hex(batch.frame(4, {.consistency = Consistency::one})),
            "04 00 00 00 0d 00 00 00 15 01 00 01 01 00 02 01 02 00 01 00 00 00 04 00 00 00 05 00 01 00");
  const Cell wrong[] = {Cell::of_text("x")};
  EXPECT_FALSE(batch.add(statement({TypeId::int_}), BoundValues::cells(wrong)).ok());
  EXPECT_EQ(batch.size(), 1u);  // the failed statement left nothing behind
  EXPECT_EQ(batch.token(),
            std::optional<int64_t>(routing_token(std::array<std::string_view, 1>{unhex("00 00 00 05")})));
}

TEST(Batch, LoggedWithASerialConsistency) {
  Batch batch(BatchType::logged);
  const Cell one[] = {Cell::of_integer(1)};
  ASSERT_TRUE(batch.add(statement({TypeId::int_}), BoundValues::cells(one)).ok());
  ASSERT_TRUE(batch.add(statement({TypeId::int_}), BoundValues::cells(one)).ok());
  const std::string frame =
      batch.frame(4, {.consistency = Consistency::local_quorum, .serial_consistency = Consistency::serial});
  EXPECT_EQ(hex(frame.substr(9, 3)), "00 00 02");                    // LOGGED, two statements
  EXPECT_EQ(hex(frame.substr(frame.size() - 5)), "00 06 10 00 08");  // consistency, serial flag, SERIAL
}

}  // namespace
}  // namespace kascade::cql
