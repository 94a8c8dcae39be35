// serve/tests/push_body_test.cc: the push body parser: records and keys, every strict-JSON refusal with its
// offset, NDJSON lines, limits, UTF-8; media types; key pointers; topic names.
#include "serve/push_body.h"

#include <gtest/gtest.h>

#include <string>

#include "core/topic_name.h"

namespace kascade {
namespace {

KeyPointer pointer(std::string_view text) { return *parse_key_pointer(text); }

struct Parsed {
  std::optional<BodyError> error;
  std::vector<std::string> values, keys;
};

Parsed parse(std::string_view body, BodyFormat format = BodyFormat::json_array, std::string_view key = "/id",
             PushBodyLimits limits = {}) {
  ParsedBody out;
  Parsed parsed;
  parsed.error = parse_push_body(body, format, pointer(key), limits, out);
  if (parsed.error) return parsed;
  for (size_t i = 0; i < out.elements.size(); ++i) {
    parsed.values.emplace_back(out.value(body, i));
    parsed.keys.emplace_back(out.key(body, i));
  }
  return parsed;
}

Parsed ndjson(std::string_view body, PushBodyLimits limits = {}) {
  return parse(body, BodyFormat::ndjson, "/id", limits);
}

// The body is refused at byte `offset`, with `reason` in the message (and in record `index`, if given).
void expect_refused(const Parsed& parsed, size_t offset, std::string_view reason,
                    std::optional<size_t> index = std::nullopt) {
  ASSERT_TRUE(parsed.error.has_value()) << "accepted, expected: " << reason;
  EXPECT_EQ(parsed.error->offset, offset) << parsed.error->reason;
  EXPECT_NE(parsed.error->reason.find(reason), std::string::npos) << parsed.error->reason;
  EXPECT_EQ(parsed.error->index, index) << parsed.error->reason;
}

TEST(PushBody, ArrayRecordsKeepTheirBytesAndKeys) {
  const std::string body = R"( [ {"id": "a", "n": [1, 2.5e3, -0.1]} ,{"id":7},
{"x": {"id": 1}, "id": "\u00e9\"q"}, {"id": -0}, {"id": 1.5}, {"id": true}, {}, {"id": 18446744073709551616} ] )";
  const Parsed parsed = parse(body);
  ASSERT_FALSE(parsed.error) << parsed.error->reason;
  ASSERT_EQ(parsed.values.size(), 8u);
  EXPECT_EQ(parsed.values[0], R"({"id": "a", "n": [1, 2.5e3, -0.1]})");
  EXPECT_EQ(parsed.values[1], R"({"id":7})");
  EXPECT_EQ(parsed.values[6], "{}");
  EXPECT_EQ(parsed.keys, (std::vector<std::string>{"a", "7", "\xc3\xa9\"q", "0", "", "", "", ""}));
}

TEST(PushBody, KeysFollowNestedPointersAndArrayIndexes) {
  const std::string body =
      R"([{"login": {"uuid": "u-1"}}, {"login": [{"uuid": "no"}]}, {"a": [10, {"b": "x"}]}, {"a/b": {"c~d": 5}},)"
      R"( {"login": {"uuid": "first", "uuid": "second"}}, {"": 3},)"
      R"( {"login": {"x": 1}, "login": {"uuid": "in a second login"}}])";
  // As a DOM reads a pointer: the first member of a name only.
  EXPECT_EQ(parse(body, BodyFormat::json_array, "/login/uuid").keys,
            (std::vector<std::string>{"u-1", "", "", "", "first", "", ""}));
  EXPECT_EQ(parse(body, BodyFormat::json_array, "/a/1/b").keys,
            (std::vector<std::string>{"", "", "x", "", "", "", ""}));
  EXPECT_EQ(parse(body, BodyFormat::json_array, "/a/01/b").keys, (std::vector<std::string>(7, "")));
  EXPECT_EQ(parse(body, BodyFormat::json_array, "/a~1b/c~0d").keys,
            (std::vector<std::string>{"", "", "", "5", "", "", ""}));
  EXPECT_EQ(parse(body, BodyFormat::json_array, "/").keys, (std::vector<std::string>{"", "", "", "", "", "3", ""}));
  EXPECT_EQ(parse(body, BodyFormat::json_array, "").keys, (std::vector<std::string>(7, "")));
}

TEST(PushBody, EmptyArrayHasNoRecords) {
  const Parsed parsed = parse(" [ \n] \n");
  ASSERT_FALSE(parsed.error);
  EXPECT_TRUE(parsed.values.empty());
}

TEST(PushBody, TrailingDataAfterTheArrayIsRefused) {
  expect_refused(parse(R"([{"a":1}] [{"b":2}])"), 10, "trailing data after the array");
  expect_refused(parse("[{}][{}]"), 4, "trailing data after the array");
  expect_refused(parse("[{}],[{}]"), 4, "trailing data after the array");
  expect_refused(parse("[{}]]"), 4, "trailing data after the array");
  expect_refused(parse("[{}] x"), 5, "trailing data after the array");
  expect_refused(parse("[{}]\n\n{}"), 6, "trailing data after the array");
}

TEST(PushBody, ArraySyntaxErrorsNameTheirOffsetAndRecord) {
  expect_refused(parse(""), 0, "empty body");
  expect_refused(parse("  \n "), 4, "empty body");
  expect_refused(parse(R"({"a":1})"), 0, "not a JSON array");
  expect_refused(parse("[{},]"), 4, "unexpected ']', expected a JSON object", 1);
  expect_refused(parse("[{}"), 3, "unexpected end of the body, expected ',' or ']'");
  expect_refused(parse("[{},{}"), 6, "expected ',' or ']' after record 1");
  expect_refused(parse("[{} {}]"), 4, "unexpected '{', expected ',' or ']' after record 0");
  expect_refused(parse("[1]"), 1, "record 0 is not a JSON object", 0);
  expect_refused(parse(R"([{}, "x"])"), 5, "record 1 is not a JSON object", 1);
  expect_refused(parse("[{}, [{}]]"), 5, "record 1 is not a JSON object", 1);
  expect_refused(parse(R"([{"a" 1}])"), 6, "expected ':'", 0);
  expect_refused(parse(R"([{"a":1,}])"), 8, "expected a member name", 0);
  expect_refused(parse(R"([{'a':1}])"), 2, "expected a member name", 0);
  expect_refused(parse(R"([{"a":1 "b":2}])"), 8, "expected ',' or '}'", 0);
  expect_refused(parse(R"([{"a":[1 2]}])"), 9, "expected ',' or ']'", 0);
  expect_refused(parse(R"([{"a":}])"), 6, "expected a value", 0);
  expect_refused(parse(R"([{"a":tru}])"), 6, "expected a value", 0);
  expect_refused(parse(R"([{"a":NaN}])"), 6, "expected a value", 0);
  expect_refused(parse(R"([{"a":01}])"), 7, "expected ',' or '}'", 0);
  expect_refused(parse(R"([{"a":1.}])"), 8, "a digit after '.'", 0);
  expect_refused(parse(R"([{"a":.5}])"), 6, "expected a value", 0);
  expect_refused(parse(R"([{"a":-}])"), 7, "expected a digit", 0);
  expect_refused(parse(R"([{"a":1e}])"), 8, "a digit in the exponent", 0);
  expect_refused(parse(R"([{"a":+1}])"), 6, "expected a value", 0);
  expect_refused(parse("[{\"a\":\"x\ty\"}]"), 8, "control character", 0);
  expect_refused(parse(R"([{"a":"\x"}])"), 7, "bad escape", 0);
  expect_refused(parse(R"([{"a":"\u12G4"}])"), 7, "bad \\u escape", 0);
  expect_refused(parse(R"([{"a":"x)"), 8, "unterminated string", 0);
  expect_refused(parse(R"([{} /* c */])"), 4, "unexpected '/'");
  EXPECT_FALSE(parse(R"([{"a":"\ud83d\ude00 \u0000 \/"}])").error);
  EXPECT_FALSE(parse(R"([{"a":[-0, 0.5e-3, 1E+2, 123, true, false, null, {}, []]}])").error);
}

TEST(PushBody, LoneSurrogateEscapesAreRefused) {
  expect_refused(parse(R"([{"a":"\ud83d"}])"), 7, "unpaired UTF-16 surrogate", 0);
  expect_refused(parse(R"([{"a":"\ud83d\u0041"}])"), 7, "unpaired UTF-16 surrogate", 0);
  expect_refused(parse(R"([{"a":"\ude00"}])"), 7, "unpaired UTF-16 surrogate", 0);
}

TEST(PushBody, InvalidUtf8IsRefused) {
  expect_refused(parse("[{\"a\":\"\xc0\x80\"}]"), 7, "invalid UTF-8", 0);          // overlong NUL
  expect_refused(parse("[{\"a\":\"\xe0\x80\xaf\"}]"), 7, "invalid UTF-8", 0);      // overlong '/'
  expect_refused(parse("[{\"a\":\"\xed\xa0\x80\"}]"), 7, "invalid UTF-8", 0);      // a surrogate
  expect_refused(parse("[{\"a\":\"\xf4\x90\x80\x80\"}]"), 7, "invalid UTF-8", 0);  // beyond U+10FFFF
  expect_refused(parse("[{\"a\":\"\xf5\"}]"), 7, "invalid UTF-8", 0);
  expect_refused(parse("[{\"a\":\"\xe2\x82\"}]"), 7, "invalid UTF-8", 0);  // cut short
  expect_refused(parse("[{\"a\":\"x\x80\"}]"), 8, "invalid UTF-8", 0);     // a lone continuation byte
  expect_refused(parse("[{\"a\":1}]\xc3\xa9"), 9, "trailing data");
  expect_refused(parse("[{\"\xff\":1}]"), 3, "invalid UTF-8", 0);
  const Parsed ok = parse("[{\"id\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf\"}]");
  ASSERT_FALSE(ok.error) << ok.error->reason;
  EXPECT_EQ(ok.keys[0], "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf");
}

TEST(PushBody, NdjsonSkipsBlankLinesAndAcceptsCrlf) {
  const Parsed parsed = ndjson("\n{\"id\":\"a\"}\r\n  \r\n\t\n{\"id\":2} \r\n{}");
  ASSERT_FALSE(parsed.error) << parsed.error->reason;
  EXPECT_EQ(parsed.values, (std::vector<std::string>{R"({"id":"a"})", R"({"id":2})", "{}"}));
  EXPECT_EQ(parsed.keys, (std::vector<std::string>{"a", "2", ""}));
  EXPECT_TRUE(ndjson("").values.empty());
  EXPECT_FALSE(ndjson("\n\r\n").error);
}

TEST(PushBody, NdjsonIsOneObjectPerLine) {
  expect_refused(ndjson("{}\n{} {}\n"), 6, "line 2: trailing data after the object", 1);
  expect_refused(ndjson("{}\n{}{}"), 5, "line 2: trailing data after the object", 1);
  expect_refused(ndjson("{\"a\":\n1}\n"), 5, "line 1: unexpected end of the line, expected a value", 0);
  expect_refused(ndjson("{}\n\n[{}]\n"), 4, "line 3: record 1 is not a JSON object", 1);
  expect_refused(ndjson("{}\r{}"), 3, "trailing data", 0);
  expect_refused(ndjson("{\"a\":\"x\n\"}"), 7, "unterminated string at the end of the line", 0);
  expect_refused(ndjson("{\"a\":\"\\u12\n34\"}"), 6, "bad \\u escape", 0);
}

TEST(PushBody, HugeRecordIsAccepted) {
  const std::string big(6 << 20, 'x');
  const std::string body = "[{\"id\":\"k\",\"blob\":\"" + big + "\"}]";
  const Parsed parsed = parse(body);
  ASSERT_FALSE(parsed.error) << parsed.error->reason;
  ASSERT_EQ(parsed.values.size(), 1u);
  EXPECT_EQ(parsed.values[0].size(), body.size() - 2);
  EXPECT_EQ(parsed.keys[0], "k");
}

TEST(PushBody, NestingIsBounded) {
  auto nested = [](size_t depth) {
    std::string object = "{\"a\":";
    for (size_t i = 1; i < depth; ++i) object += i % 2 ? "[" : "{\"b\":";
    object += "1";
    for (size_t i = depth - 1; i >= 1; --i) object += i % 2 ? "]" : "}";
    return "[" + object + "}]";
  };
  EXPECT_FALSE(parse(nested(64)).error);
  const Parsed deep = parse(nested(65));
  ASSERT_TRUE(deep.error);
  EXPECT_NE(deep.error->reason.find("nested deeper than 64 levels"), std::string::npos);
  EXPECT_EQ(deep.error->index, 0u);
  // Far deeper than any stack would take, refused at the limit without recursion.
  expect_refused(parse("[{\"a\":" + std::string(1000000, '[')), 6 + 63, "nested deeper than 64 levels", 0);
  EXPECT_FALSE(parse(nested(10), BodyFormat::json_array, "/id", {.max_depth = 10}).error);
  EXPECT_TRUE(parse(nested(11), BodyFormat::json_array, "/id", {.max_depth = 10}).error);
}

TEST(PushBody, RecordsPerRequestAreBounded) {
  EXPECT_FALSE(parse("[{},{},{}]", BodyFormat::json_array, "/id", {.max_records = 3}).error);
  expect_refused(parse("[{},{},{},{}]", BodyFormat::json_array, "/id", {.max_records = 3}), 10,
                 "more than 3 records in one request (serve.max_request_records)", 3);
  expect_refused(ndjson("{}\n{}\n\n{}", {.max_records = 2}), 7, "more than 2 records", 2);
}

TEST(BodyFormat, OnlyJsonAndNdjsonWithUtf8) {
  EXPECT_EQ(*body_format("application/json"), BodyFormat::json_array);
  EXPECT_EQ(*body_format("Application/JSON"), BodyFormat::json_array);
  EXPECT_EQ(*body_format("application/json; charset=utf-8"), BodyFormat::json_array);
  EXPECT_EQ(*body_format("application/json;charset=\"UTF-8\""), BodyFormat::json_array);
  EXPECT_EQ(*body_format(" application/json ; foo=bar "), BodyFormat::json_array);
  EXPECT_EQ(*body_format("application/x-ndjson"), BodyFormat::ndjson);
  EXPECT_EQ(*body_format("application/X-NDJSON; Charset=utf-8"), BodyFormat::ndjson);
  for (const char* refused :
       {"application/jsonx", "application/json-seq", "application/jsonl", "text/plain", "", "application/x-ndjsonx",
        "application/json; charset=latin1", "application/json; charset=utf-16", "application/json; charset", "json",
        "application/json/x"}) {
    auto format = body_format(refused);
    ASSERT_FALSE(format) << refused;
    EXPECT_EQ(format.error().code, Errc::invalid_argument);
  }
  EXPECT_NE(body_format("application/jsonx").error().message.find("'application/jsonx'"), std::string::npos);
}

TEST(KeyPointer, TokensAreUnescaped) {
  EXPECT_FALSE(pointer("").enabled);
  EXPECT_EQ(pointer("/a~1b/c~0d/").tokens, (std::vector<std::string>{"a/b", "c~d", ""}));
  EXPECT_FALSE(parse_key_pointer("login/uuid"));
  EXPECT_FALSE(parse_key_pointer("/a~2"));
}

TEST(TopicName, OneToTwoHundredSafeCharacters) {
  EXPECT_TRUE(check_topic_name("users.raw"));
  EXPECT_TRUE(check_topic_name("A-z_0.9"));
  EXPECT_TRUE(check_topic_name("..."));
  EXPECT_TRUE(check_topic_name(std::string(200, 'x')));
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string(201, 'x'), std::string("a b"),
        std::string("a/b"), std::string("\xc3\xa9"), std::string("a\nb")}) {
    const Status status = check_topic_name(bad);
    ASSERT_FALSE(status) << bad;
    EXPECT_EQ(status.error().code, Errc::invalid_argument);
  }
  EXPECT_EQ(split_topic_list(" a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_topic_list("  ").empty());
  EXPECT_TRUE(check_topic_list("a,b.c"));
  EXPECT_FALSE(check_topic_list("a,,b"));
  EXPECT_FALSE(check_topic_list("a,.."));
}

}  // namespace
}  // namespace kascade
