// cql/tests/types_test.cc: every type's codec against golden bytes, both ways, and its rendering.
#include "cql/types.h"

#include <gtest/gtest.h>

#include "cql/tests/hex.h"

namespace kascade::cql {
namespace {
using testing::hex;
using testing::unhex;

TypeSpec list_of(TypeId id) { return TypeSpec{TypeId::list, {TypeSpec::of(id)}, {}}; }
TypeSpec set_of(TypeId id) { return TypeSpec{TypeId::set, {TypeSpec::of(id)}, {}}; }
TypeSpec map_of(TypeId k, TypeId v) { return TypeSpec{TypeId::map, {TypeSpec::of(k), TypeSpec::of(v)}, {}}; }

CqlValue value(auto v) { return CqlValue{v}; }

std::string encode(const TypeSpec& type, const CqlValue& v) {
  std::string out;
  BodyWriter w(out);
  auto status = encode_value(type, v, w);
  EXPECT_TRUE(status.ok()) << status.message();
  return hex(out);
}

// The [bytes] golden form minus its 4-byte length, decoded back.
CqlValue decode(const TypeSpec& type, std::string_view golden_with_length) {
  const std::string bytes = unhex(golden_with_length).substr(4);
  auto v = decode_value(type, bytes);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : CqlValue{};
}

std::string render(const TypeSpec& type, const CqlValue& v, bool json = false) {
  std::string out;
  render_value(type, v, json, out);
  return out;
}

struct Golden {
  const char* name;
  TypeSpec type;
  CqlValue value;
  const char* bytes;     // [bytes]: length then value
  const char* rendered;  // plain (cqlsh-like) form
};

std::vector<Golden> goldens() {
  Uuid uuid;
  EXPECT_TRUE(parse_uuid("01234567-89ab-cdef-0123-456789abcdef", uuid));
  Varint big;
  EXPECT_TRUE(varint_from_string("123456789012345678901234567890", big));
  return {
      {"ascii", TypeSpec::of(TypeId::ascii), value(std::string("ok")), "00 00 00 02 6f 6b", "ok"},
      {"text", TypeSpec::of(TypeId::varchar), value(std::string("h\xc3\xa9")), "00 00 00 03 68 c3 a9", "h\xc3\xa9"},
      {"int", TypeSpec::of(TypeId::int_), value(int64_t{-2}), "00 00 00 04 ff ff ff fe", "-2"},
      {"bigint", TypeSpec::of(TypeId::bigint), value(int64_t{1} << 40), "00 00 00 08 00 00 01 00 00 00 00 00",
       "1099511627776"},
      {"smallint", TypeSpec::of(TypeId::smallint), value(int64_t{-32768}), "00 00 00 02 80 00", "-32768"},
      {"tinyint", TypeSpec::of(TypeId::tinyint), value(int64_t{127}), "00 00 00 01 7f", "127"},
      {"boolean", TypeSpec::of(TypeId::boolean), value(true), "00 00 00 01 01", "true"},
      {"double", TypeSpec::of(TypeId::double_), value(1.5), "00 00 00 08 3f f8 00 00 00 00 00 00", "1.5"},
      {"float", TypeSpec::of(TypeId::float_), value(Float32{-0.25f}), "00 00 00 04 be 80 00 00", "-0.25"},
      {"uuid", TypeSpec::of(TypeId::uuid), value(uuid), "00 00 00 10 01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef",
       "01234567-89ab-cdef-0123-456789abcdef"},
      {"timeuuid", TypeSpec::of(TypeId::timeuuid), value(uuid),
       "00 00 00 10 01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef", "01234567-89ab-cdef-0123-456789abcdef"},
      {"timestamp", TypeSpec::of(TypeId::timestamp), value(int64_t{1000}), "00 00 00 08 00 00 00 00 00 00 03 e8",
       "1970-01-01T00:00:01.000Z"},
      {"date", TypeSpec::of(TypeId::date), value(int64_t{-1}), "00 00 00 04 7f ff ff ff", "1969-12-31"},
      {"date epoch", TypeSpec::of(TypeId::date), value(int64_t{19000}), "00 00 00 04 80 00 4a 38", "2022-01-08"},
      {"time", TypeSpec::of(TypeId::time), value(int64_t{3'723'000'000'001}), "00 00 00 08 00 00 03 62 d4 17 ae 01",
       "01:02:03.000000001"},
      {"blob", TypeSpec::of(TypeId::blob), value(std::string("\xca\xfe", 2)), "00 00 00 02 ca fe", "0xcafe"},
      {"inet4", TypeSpec::of(TypeId::inet), value(Inet{std::string("\x7f\x00\x00\x01", 4)}), "00 00 00 04 7f 00 00 01",
       "127.0.0.1"},
      {"inet6", TypeSpec::of(TypeId::inet), value(Inet{unhex("00000000000000000000000000000001")}),
       "00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01", "::1"},
      {"varint", TypeSpec::of(TypeId::varint), value(Varint{unhex("ff 7f")}), "00 00 00 02 ff 7f", "-129"},
      {"varint big", TypeSpec::of(TypeId::varint), value(big), "00 00 00 0d 01 8e e9 0f f6 c3 73 e0 ee 4e 3f 0a d2",
       "123456789012345678901234567890"},
      {"decimal", TypeSpec::of(TypeId::decimal), value(Decimal{2, Varint{unhex("7b")}}), "00 00 00 05 00 00 00 02 7b",
       "1.23"},
      {"decimal small", TypeSpec::of(TypeId::decimal), value(Decimal{3, Varint{unhex("fb")}}),
       "00 00 00 05 00 00 00 03 fb", "-0.005"},
      {"list<int>", list_of(TypeId::int_), value(CqlList{value(int64_t{1}), value(int64_t{2})}),
       "00 00 00 14 00 00 00 02 00 00 00 04 00 00 00 01 00 00 00 04 00 00 00 02", "[1, 2]"},
      {"set<text>", set_of(TypeId::varchar), value(CqlList{value(std::string("a")), value(std::string("b"))}),
       "00 00 00 0e 00 00 00 02 00 00 00 01 61 00 00 00 01 62", "{\"a\", \"b\"}"},
      {"map<text,int>", map_of(TypeId::varchar, TypeId::int_),
       value(CqlMap{{value(std::string("a")), value(int64_t{1})}}),
       "00 00 00 11 00 00 00 01 00 00 00 01 61 00 00 00 04 00 00 00 01", "{\"a\": 1}"},
  };
}

TEST(Types, EncodesEveryTypeToGoldenBytes) {
  for (const auto& g : goldens()) {
    EXPECT_EQ(encode(g.type, g.value), hex(unhex(g.bytes))) << g.name;
  }
}

TEST(Types, DecodesGoldenBytesOfEveryType) {
  for (const auto& g : goldens()) {
    EXPECT_EQ(decode(g.type, g.bytes), g.value) << g.name;
  }
}

TEST(Types, RendersEveryType) {
  for (const auto& g : goldens()) {
    EXPECT_EQ(render(g.type, g.value), g.rendered) << g.name;
  }
}

TEST(Types, RendersJson) {
  EXPECT_EQ(render(TypeSpec::of(TypeId::varchar), value(std::string("a\"b\n")), true), "\"a\\\"b\\n\"");
  EXPECT_EQ(render(set_of(TypeId::int_), value(CqlList{value(int64_t{3})}), true), "[3]");
  EXPECT_EQ(
      render(map_of(TypeId::int_, TypeId::varchar), value(CqlMap{{value(int64_t{1}), value(std::string("x"))}}), true),
      "{\"1\":\"x\"}");
  EXPECT_EQ(render(TypeSpec::of(TypeId::int_), CqlValue{}, true), "null");
}

TEST(Types, NullEncodesAsMinusOne) { EXPECT_EQ(encode(TypeSpec::of(TypeId::int_), CqlValue{}), "ff ff ff ff"); }

TEST(Types, RejectsValuesThatDoNotFit) {
  std::string out;
  BodyWriter w(out);
  EXPECT_FALSE(encode_value(TypeSpec::of(TypeId::tinyint), value(int64_t{128}), w).ok());
  EXPECT_FALSE(encode_value(TypeSpec::of(TypeId::int_), value(std::string("1")), w).ok());
  EXPECT_FALSE(encode_value(TypeSpec::of(TypeId::boolean), value(int64_t{1}), w).ok());
}

TEST(Types, RejectsMalformedBytes) {
  EXPECT_FALSE(decode_value(TypeSpec::of(TypeId::int_), unhex("00 01")).ok());
  EXPECT_FALSE(decode_value(TypeSpec::of(TypeId::uuid), unhex("00 01")).ok());
  EXPECT_FALSE(decode_value(TypeSpec::of(TypeId::inet), unhex("00 01 02")).ok());
  EXPECT_FALSE(decode_value(list_of(TypeId::int_), unhex("00 00 00 02 00 00 00 04 00 00 00 01")).ok());
  EXPECT_FALSE(decode_value(list_of(TypeId::int_), unhex("7f ff ff ff")).ok());
  EXPECT_FALSE(decode_value(TypeSpec::of(TypeId::decimal), unhex("00 00")).ok());
}

TEST(Types, VarintTextRoundTrips) {
  for (const char* text : {"0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "-32769",
                           "99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"}) {
    Varint v;
    ASSERT_TRUE(varint_from_string(text, v)) << text;
    EXPECT_EQ(varint_to_string(v), text);
  }
  Varint v;
  ASSERT_TRUE(varint_from_string("128", v));
  EXPECT_EQ(hex(v.bytes), "00 80");
  ASSERT_TRUE(varint_from_string("-128", v));
  EXPECT_EQ(hex(v.bytes), "80");
  EXPECT_FALSE(varint_from_string("12a", v));
}

TEST(Types, UuidText) {
  Uuid u;
  EXPECT_TRUE(parse_uuid("FFFFFFFF-0000-1111-2222-333333333333", u));
  EXPECT_EQ(format_uuid(u), "ffffffff-0000-1111-2222-333333333333");
  EXPECT_FALSE(parse_uuid("ffffffff00001111-2222-333333333333x", u));
  EXPECT_FALSE(parse_uuid("gfffffff-0000-1111-2222-333333333333", u));
}

TEST(Types, ReadsNestedTypeOptions) {
  const std::string bytes = unhex("00 21 00 0d 00 20 00 09");  // map<text, list<int>>
  BodyReader r(bytes);
  TypeSpec t = read_type(r);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(t.name(), "map<text, list<int>>");
}

}  // namespace
}  // namespace kascade::cql
