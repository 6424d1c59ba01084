#include "server/web/static_site.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "common/testing/files.h"

namespace rmgr::server::web {

//! The fixture site (testdata/site) compiled in by the same generator as the real UI.
std::span<const EmbeddedFile> FixtureWebFiles();

namespace {

namespace fs = std::filesystem;
namespace beast_http = http::beast_http;
using beast_http::field;
using beast_http::verb;

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

const fs::path kFixture = RMGR_WEB_FIXTURE_DIR;

using test_support::ReadFile;

http::Request Request(std::string_view target, verb method = verb::get) {
  http::Request request{method, std::string(target), 11};
  request.set(field::host, "localhost");
  return request;
}

void ExpectSecurityHeaders(const http::Response& response, std::string_view what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(response["Content-Security-Policy"], kCsp);
  EXPECT_EQ(response["X-Frame-Options"], "DENY");
  EXPECT_EQ(response["Referrer-Policy"], "no-referrer");
}

std::string ErrorCodeOf(const http::Response& response) {
  return std::string(boost::json::parse(response.body()).at("error").at("code").as_string());
}

// The same behaviour from both sources: the compiled-in table and a directory.
enum class Source { kEmbedded, kDirectory };

class StaticSiteTest : public ::testing::TestWithParam<Source> {
 protected:
  void SetUp() override {
    if (GetParam() == Source::kEmbedded) {
      site_.emplace(StaticSite::FromFiles(FixtureWebFiles()));
      return;
    }
    auto site = StaticSite::FromDirectory(kFixture);
    ASSERT_TRUE(site.ok()) << site.error().Describe();
    site_.emplace(std::move(*site));
  }

  http::Response Serve(std::string_view target, verb method = verb::get) const {
    auto response = site_->Serve(Request(target, method));
    if (!response) {
      ADD_FAILURE() << "no response for " << target;
      return {};
    }
    return std::move(*response);
  }

  std::optional<StaticSite> site_;
};

std::string SourceName(const ::testing::TestParamInfo<Source>& param) {
  return param.param == Source::kEmbedded ? "Embedded" : "Directory";
}
INSTANTIATE_TEST_SUITE_P(Sources, StaticSiteTest, ::testing::Values(Source::kEmbedded, Source::kDirectory),
                         SourceName);

TEST_P(StaticSiteTest, ServesEachFileWithItsContentType) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"/index.html", "text/html; charset=utf-8"},
      {"/assets/index-4f2a9c1b.js", "text/javascript; charset=utf-8"},
      {"/assets/chunk-1a2b3c4d.mjs", "text/javascript; charset=utf-8"},
      {"/assets/index-9c8d7e6f.css", "text/css; charset=utf-8"},
      {"/assets/index-4f2a9c1b.js.map", "application/json; charset=utf-8"},
      {"/assets/logo-0a1b2c3d.png", "image/png"},
      {"/assets/font-5e6f7a8b.woff2", "font/woff2"},
      {"/favicon.svg", "image/svg+xml; charset=utf-8"},
      {"/favicon.ico", "image/x-icon"},
      {"/manifest.json", "application/json; charset=utf-8"},
      {"/robots.txt", "text/plain; charset=utf-8"},
      {"/help/intro.txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [target, type] : cases) {
    SCOPED_TRACE(target);
    const auto response = Serve(target);
    EXPECT_EQ(response.result(), http::Status::ok);
    EXPECT_EQ(response[field::content_type], type);
    // Byte for byte, binary files (NUL and high bytes) included.
    EXPECT_EQ(response.body(), ReadFile(kFixture / fs::path(target.substr(1))));
    EXPECT_EQ(response[field::content_length], std::to_string(response.body().size()));
  }
}

TEST_P(StaticSiteTest, HashedAssetsAreImmutableAndEverythingElseRevalidates) {
  EXPECT_EQ(Serve("/assets/index-4f2a9c1b.js")[field::cache_control], kImmutable);
  EXPECT_EQ(Serve("/assets/logo-0a1b2c3d.png")[field::cache_control], kImmutable);
  EXPECT_EQ(Serve("/")[field::cache_control], "no-cache");
  EXPECT_EQ(Serve("/index.html")[field::cache_control], "no-cache");
  EXPECT_EQ(Serve("/hosts/42")[field::cache_control], "no-cache");
  EXPECT_EQ(Serve("/favicon.svg")[field::cache_control], "no-cache");
  EXPECT_EQ(Serve("/help/intro.txt")[field::cache_control], "no-cache");
}

TEST_P(StaticSiteTest, EveryResponseCarriesTheSecurityHeaders) {
  ExpectSecurityHeaders(Serve("/"), "index");
  ExpectSecurityHeaders(Serve("/assets/index-4f2a9c1b.js"), "asset");
  ExpectSecurityHeaders(Serve("/schedules"), "SPA route");
  ExpectSecurityHeaders(Serve("/assets/gone-00000000.js"), "404");
  ExpectSecurityHeaders(Serve("/%2e%2e/etc/passwd"), "400");
  ExpectSecurityHeaders(Serve("/", verb::head), "HEAD");
  auto conditional = Request("/favicon.svg");
  conditional.set(field::if_none_match, Serve("/favicon.svg")[field::etag]);
  ExpectSecurityHeaders(*site_->Serve(conditional), "304");
}

TEST_P(StaticSiteTest, PathsThatAreNotFilesAndHaveNoDotGetTheIndex) {
  const auto index = ReadFile(kFixture / "index.html");
  for (const auto target :
       {"/", "/hosts", "/hosts/01HZX/jobs", "/settings/", "/assets", "/help", "/jobs?state=failed"}) {
    SCOPED_TRACE(target);
    const auto response = Serve(target);
    EXPECT_EQ(response.result(), http::Status::ok);
    EXPECT_EQ(response[field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(response.body(), index);
  }
}

TEST_P(StaticSiteTest, MissingFileWithAnExtensionIsNotFoundInTheErrorShape) {
  for (const auto target :
       {"/assets/index-00000000.js", "/missing.png", "/hosts/report.csv", "/help/intro.txt/x.js"}) {
    SCOPED_TRACE(target);
    const auto response = Serve(target);
    EXPECT_EQ(response.result(), http::Status::not_found);
    EXPECT_EQ(response[field::content_type], "application/json");
    EXPECT_EQ(ErrorCodeOf(response), "not_found");
  }
}

TEST_P(StaticSiteTest, DotFilesAreNeverServed) {
  const auto response = Serve("/.env");
  EXPECT_EQ(response.result(), http::Status::not_found);
  EXPECT_EQ(response.body().find("secret"), std::string::npos);
}

TEST_P(StaticSiteTest, MatchingIfNoneMatchGetsNotModified) {
  const auto first = Serve("/assets/index-4f2a9c1b.js");
  const std::string etag(first[field::etag]);
  ASSERT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << etag;
  for (const auto& header : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    SCOPED_TRACE(header);
    auto request = Request("/assets/index-4f2a9c1b.js");
    request.set(field::if_none_match, header);
    const auto response = site_->Serve(request);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::Status::not_modified);
    EXPECT_TRUE(response->body().empty());
    EXPECT_EQ((*response)[field::etag], etag);
    EXPECT_EQ((*response)[field::cache_control], kImmutable);
  }
  auto stale = Request("/assets/index-4f2a9c1b.js");
  stale.set(field::if_none_match, "\"0123\"");
  EXPECT_EQ(site_->Serve(stale)->result(), http::Status::ok);
}

TEST_P(StaticSiteTest, EtagsDifferBetweenFilesAndAreStable) {
  EXPECT_NE(Serve("/index.html")[field::etag], Serve("/favicon.svg")[field::etag]);
  EXPECT_EQ(Serve("/index.html")[field::etag], Serve("/hosts")[field::etag]);
  EXPECT_EQ(Serve("/favicon.svg")[field::etag], Serve("/favicon.svg")[field::etag]);
}

TEST_P(StaticSiteTest, HeadSendsHeadersOnly) {
  const auto get = Serve("/assets/index-9c8d7e6f.css");
  const auto head = Serve("/assets/index-9c8d7e6f.css", verb::head);
  EXPECT_EQ(head.result(), http::Status::ok);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(head[field::content_length], std::to_string(get.body().size()));
  EXPECT_EQ(head[field::content_type], get[field::content_type]);
  EXPECT_EQ(head[field::etag], get[field::etag]);
  EXPECT_EQ(head[field::cache_control], kImmutable);
}

TEST_P(StaticSiteTest, TraversalAndForbiddenBytesAreRefused) {
  const std::string targets[] = {
      "/../etc/passwd",
      "/assets/../../etc/passwd",
      "/assets/../index.html",
      "/./index.html",
      "/%2e%2e/etc/passwd",
      "/%2E%2E/%2e%2E/etc/passwd",
      "/.%2e/etc/passwd",
      "/%2e%2e%2fetc%2fpasswd",
      "/assets%2findex-4f2a9c1b.js",
      "/assets%2F..%2F..%2Fetc%2Fpasswd",
      "/..\\..\\etc\\passwd",
      "/assets\\index-4f2a9c1b.js",
      "/%5c..%5c..%5cetc%5cpasswd",
      std::string("/index.html\0.js", 15),
      "/index.html%00.js",
      "/%00",
      "/hosts%0a",
      "/%zz",
      "/index.html%2",
      "/%",
  };
  for (const auto& target : targets) {
    SCOPED_TRACE(target);
    const auto response = Serve(target);
    EXPECT_EQ(response.result(), http::Status::bad_request);
    EXPECT_EQ(ErrorCodeOf(response), "malformed");
    EXPECT_EQ(response.body().find("root:"), std::string::npos);
  }
}

TEST_P(StaticSiteTest, PercentEncodedNamesAreDecoded) {
  EXPECT_EQ(Serve("/%66avicon.svg").body(), ReadFile(kFixture / "favicon.svg"));
  EXPECT_EQ(Serve("//assets//index-4f2a9c1b.js").result(), http::Status::ok);
}

TEST_P(StaticSiteTest, ApiAgentAndProbePathsAreLeftToTheRouter) {
  for (const auto target :
       {"/api", "/api/", "/api/v1/hosts", "/api/v1/missing.json", "/agent", "/agent/ws", "/healthz",
        "/readyz", "/metrics", "/metrics?x=1", "//api/v1/hosts", "/%61pi/v1/hosts", "/api/%2e%2e/index.html",
        "/downloads", "/downloads/x.deb", "/downloads/../index.html", "/downloads/%2e%2e/index.html"}) {
    SCOPED_TRACE(target);
    EXPECT_FALSE(site_->Serve(Request(target)).has_value());
    EXPECT_FALSE(site_->Serve(Request(target, verb::head)).has_value());
  }
  // Only whole first segments are reserved.
  EXPECT_EQ(Serve("/agents").result(), http::Status::ok);
  EXPECT_EQ(Serve("/apis").result(), http::Status::ok);
}

TEST_P(StaticSiteTest, OtherMethodsAreLeftToTheRouter) {
  for (const auto method : {verb::post, verb::put, verb::delete_, verb::patch, verb::options}) {
    EXPECT_FALSE(site_->Serve(Request("/", method)).has_value());
    EXPECT_FALSE(site_->Serve(Request("/index.html", method)).has_value());
  }
}

TEST(StaticSiteEmbedding, TableHoldsEveryFixtureFileExceptDotFiles) {
  std::set<std::string> expected;
  for (const auto& entry : fs::recursive_directory_iterator(kFixture)) {
    const auto relative = fs::relative(entry.path(), kFixture).generic_string();
    if (entry.is_regular_file() && relative.front() != '.') expected.insert(relative);
  }
  std::set<std::string> embedded;
  for (const auto& file : FixtureWebFiles()) {
    embedded.emplace(file.path);
    EXPECT_EQ(file.content, ReadFile(kFixture / file.path)) << file.path;
  }
  EXPECT_EQ(embedded, expected);
}

TEST(StaticSiteEmbedding, BuildTimeEtagsEqualThoseComputedFromDisk) {
  auto from_disk = StaticSite::FromDirectory(kFixture);
  ASSERT_TRUE(from_disk.ok());
  const auto embedded = StaticSite::FromFiles(FixtureWebFiles());
  for (const auto& file : FixtureWebFiles()) {
    const auto target = "/" + std::string(file.path);
    EXPECT_EQ(embedded.Serve(Request(target))->at(field::etag),
              from_disk->Serve(Request(target))->at(field::etag))
        << target;
  }
}

TEST(StaticSiteEmbedding, EmptyTableServesThePlaceholderPage) {
  const auto site = StaticSite::FromFiles({});
  const auto response = site.Serve(Request("/hosts"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result(), http::Status::ok);
  EXPECT_NE(response->body().find("not built"), std::string::npos);
  ExpectSecurityHeaders(*response, "placeholder");
  EXPECT_EQ(site.Serve(Request("/assets/index-1234.js"))->result(), http::Status::not_found);
}

// The UI this binary was built with: index.html and every asset it links.
TEST(StaticSiteEmbedding, EmbeddedHasTheIndexAndTheAssetsItLinks) {
  const auto site = StaticSite::Embedded();
  const auto index = site.Serve(Request("/"));
  ASSERT_TRUE(index);
  ASSERT_EQ(index->result(), http::Status::ok);
  EXPECT_EQ((*index)[field::content_type], "text/html; charset=utf-8");
  ExpectSecurityHeaders(*index, "embedded index");
  if (!RMGR_WEB_UI_EMBEDDED) {
    EXPECT_NE(index->body().find("not built"), std::string::npos);
    GTEST_SKIP() << "built with RMGR_WEB_UI=OFF";
  }
  EXPECT_EQ(index->body().find("not built"), std::string::npos);
  const std::regex linked(R"re((?:src|href)="(/assets/[^"]+)")re");
  int assets = 0;
  for (auto it = std::sregex_iterator(index->body().begin(), index->body().end(), linked);
       it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[1];
    SCOPED_TRACE(target);
    const auto asset = site.Serve(Request(target));
    ASSERT_TRUE(asset);
    EXPECT_EQ(asset->result(), http::Status::ok);
    EXPECT_FALSE(asset->body().empty());
    EXPECT_EQ((*asset)[field::cache_control], kImmutable);
    ++assets;
  }
  EXPECT_GT(assets, 0) << "index.html links no /assets/ file:\n" << index->body();
}

// --web-root specifics: links are never followed, changes show without a restart.
class StaticSiteDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("rmgr-web-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(root() / "assets");
    fs::create_directories(outside());
    Write(root() / "index.html", "<!doctype html><title>dev</title>");
    Write(outside() / "secret.txt", "root:x:0:0");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path root() const { return base_ / "root"; }
  fs::path outside() const { return base_ / "outside"; }
  static void Write(const fs::path& path, std::string_view text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  fs::path base_;
};

TEST_F(StaticSiteDirectoryTest, SymlinksOutOfTheRootAreNotFollowed) {
  fs::create_symlink(outside() / "secret.txt", root() / "leak.txt");
  fs::create_directory_symlink(outside(), root() / "escape");
  fs::create_directory_symlink(outside(), root() / "assets" / "escape");
  fs::create_symlink("../../outside/secret.txt", root() / "assets" / "relative.txt");
  auto site = StaticSite::FromDirectory(root());
  ASSERT_TRUE(site.ok()) << site.error().Describe();
  for (const auto target :
       {"/leak.txt", "/escape/secret.txt", "/assets/escape/secret.txt", "/assets/relative.txt"}) {
    SCOPED_TRACE(target);
    const auto response = site->Serve(Request(target));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result(), http::Status::not_found);
    EXPECT_EQ(response->body().find("root:"), std::string::npos);
  }
}

TEST_F(StaticSiteDirectoryTest, ReadsEachRequestSoRebuildsShowWithoutARestart) {
  auto site = StaticSite::FromDirectory(root());
  ASSERT_TRUE(site.ok());
  Write(root() / "assets" / "app-1.js", "one");
  const auto first = site->Serve(Request("/assets/app-1.js"));
  EXPECT_EQ(first->body(), "one");
  Write(root() / "assets" / "app-1.js", "two!");
  const auto second = site->Serve(Request("/assets/app-1.js"));
  EXPECT_EQ(second->body(), "two!");
  EXPECT_NE(first->at(field::etag), second->at(field::etag));
}

TEST_F(StaticSiteDirectoryTest, MissingIndexIsNotFound) {
  fs::remove(root() / "index.html");
  auto site = StaticSite::FromDirectory(root());
  ASSERT_TRUE(site.ok());
  const auto response = site->Serve(Request("/hosts"));
  EXPECT_EQ(response->result(), http::Status::not_found);
  ExpectSecurityHeaders(*response, "missing index");
}

TEST_F(StaticSiteDirectoryTest, RootMustBeAnExistingDirectory) {
  EXPECT_FALSE(StaticSite::FromDirectory(base_ / "nope").ok());
  EXPECT_FALSE(StaticSite::FromDirectory(root() / "index.html").ok());
  EXPECT_EQ(StaticSite::FromDirectory(base_ / "nope").error().field, "web_root");
}

TEST_F(StaticSiteDirectoryTest, RootMayItselfBeASymlink) {
  fs::create_directory_symlink(root(), base_ / "link");
  auto site = StaticSite::FromDirectory(base_ / "link");
  ASSERT_TRUE(site.ok());
  EXPECT_EQ(site->Serve(Request("/"))->result(), http::Status::ok);
}

}  // namespace
}  // namespace rmgr::server::web
