#include "tests/system/shell.h"

#include <regex>
#include <sstream>

#include "mkfs/fsimage.h"
#include "mkfs/layout.h"

namespace lazyv6::systest {

using harness::re;

std::string ctrl_p(Qemu& q) {
  if (!q.running())
    return "";
  // The console handles Ctrl-P as it receives it and prints the listing at once, before it echoes
  // what is typed next: the listing is everything before the echo of the marker command.
  const std::string marker = "echo end-of-ctrl-p";
  EXPECT_CONSOLE(q.send_raw("\x10"));
  EXPECT_CONSOLE(q.send_line(marker));
  auto echo = q.expect(marker + "\n", 30s);
  EXPECT_CONSOLE(echo);
  if (!echo)
    return "";
  EXPECT_CONSOLE(q.expect("end-of-ctrl-p\n$ ", kCommandTimeout));
  const std::string& listing = echo.before;
  return listing.empty() || listing[0] != '\n' ? listing : listing.substr(1);
}

std::vector<ProcLine> parse_procdump(const std::string& listing) {
  std::vector<ProcLine> out;
  for (const auto& m : grep_lines(
           listing,
           R"((\d+) (\S+) +(\S+) resident (\d+) pages, ptpages (\d+), sz (\d+), faults (\d+))")) {
    ProcLine p;
    p.pid = std::stoi(m[1]);
    p.state = m[2];
    p.name = m[3];
    p.resident = std::stoull(m[4]);
    p.ptpages = std::stoull(m[5]);
    p.sz = std::stoull(m[6]);
    p.faults = std::stoull(m[7]);
    out.push_back(p);
  }
  return out;
}

std::vector<std::vector<std::string>> grep_lines(const std::string& text,
                                                 const std::string& ecmascript) {
  std::vector<std::vector<std::string>> out;
  std::regex rx(ecmascript);
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    std::smatch m;
    if (std::regex_match(l, m, rx)) {
      std::vector<std::string> groups;
      for (const auto& g : m)
        groups.push_back(g.str());
      out.push_back(std::move(groups));
    }
  }
  return out;
}

std::optional<uint64_t> find_number(const std::string& text, const std::string& ecmascript,
                                    int base) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(ecmascript)) || m.size() < 2)
    return std::nullopt;
  return std::stoull(m[1].str(), nullptr, base);
}

std::optional<FreeFigures> parse_free(const std::string& output) {
  auto row = [&](const char* name, uint64_t* pages, uint64_t* kib) {
    auto m = grep_lines(output, std::string(name) + R"( +(\d+) +(\d+))");
    if (m.size() != 1)
      return false;
    *pages = std::stoull(m[0][1]);
    *kib = std::stoull(m[0][2]);
    return true;
  };
  FreeFigures f;
  if (!row("total", &f.total, &f.total_kib) || !row("used", &f.used, &f.used_kib) ||
      !row("free", &f.free, &f.free_kib)) {
    ADD_FAILURE() << "unexpected `free` output:\n" << output;
    return std::nullopt;
  }
  return f;
}

std::optional<ProcFigures> parse_free_p(const std::string& output) {
  auto sz = find_number(output, R"(\n  size +(\d+) bytes)");
  auto resident = find_number(output, R"(\n  resident +(\d+) pages)");
  auto ptpages = find_number(output, R"(\n  page tables +(\d+) pages)");
  auto faults = find_number(output, R"(\n  faults +(\d+)\n)");
  if (!sz || !resident || !ptpages || !faults) {
    ADD_FAILURE() << "unexpected `free -p` output:\n" << output;
    return std::nullopt;
  }
  return ProcFigures{*sz, *resident, *ptpages, *faults};
}

std::optional<MemoryBalance> memory_balance(Qemu& q) {
  auto f = parse_free(run(q, "free"));
  auto init = parse_free_p(run(q, "free -p 1"));
  auto sh = parse_free_p(run(q, "free -p 2"));
  if (!f || !init || !sh)
    return std::nullopt;
  return MemoryBalance{f->free, init->resident + init->ptpages, sh->resident + sh->ptpages};
}

void expect_balance(Qemu& q, const MemoryBalance& before, const std::string& after) {
  auto now = memory_balance(q);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->total(), before.total())
      << "pages lost after `" << after << "`: free " << before.free_pages << " -> "
      << now->free_pages << ", init " << before.init_pages << " -> " << now->init_pages << ", sh "
      << before.sh_pages << " -> " << now->sh_pages;
}

std::string run_checks(Qemu& q, const std::string& command) {
  EXPECT_CONSOLE(q.send_line(command));
  auto r = q.expect_any({"ALL TESTS PASSED\n", "SOME TESTS FAILED\n", "panic"}, 600s);
  EXPECT_CONSOLE(r);
  if (!r)
    return "";
  const std::string out = "\n" + r.before;
  std::string failed;
  for (const auto& m : grep_lines(out, R"(.*FAILED.*)"))
    failed += "\n" + m[0];
  EXPECT_EQ(r.index, 0) << command << " ended with " << r.text << "failures:" << failed;
  EXPECT_EQ(failed, "");
  EXPECT_CONSOLE(q.expect("$ ", kCommandTimeout));
  return out;
}

std::string section(const std::string& out, const std::string& name) {
  size_t b = out.find("test " + name + ": start\n");
  if (b == std::string::npos)
    return "";
  size_t e = out.find("test " + name + ": ", b + 1);
  return out.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::optional<std::string> image_file(const std::string& image_path, const std::string& path) {
  auto image = fsimage::Image::load(image_path);
  if (!image.ok()) {
    ADD_FAILURE() << image_path << ": " << image.error();
    return std::nullopt;
  }
  auto data = fsimage::read_file(image.value(), path);
  if (!data) {
    ADD_FAILURE() << image_path << ": no file " << path;
    return std::nullopt;
  }
  return std::string(data->begin(), data->end());
}

std::optional<std::string> expected_root_listing(const std::string& image_path,
                                                 int extra_root_entries) {
  auto image = fsimage::Image::load(image_path);
  if (!image.ok()) {
    ADD_FAILURE() << image_path << ": " << image.error();
    return std::nullopt;
  }
  const fsimage::Image& img = image.value();
  auto dir = img.read_dir(fsimage::kRootInum);
  if (!dir) {
    ADD_FAILURE() << image_path << ": unreadable root directory";
    return std::nullopt;
  }
  std::string out;
  for (const fsimage::DirEntry& e : *dir) {
    if (e.inum == 0)
      continue;
    auto ino = img.read_inode(e.inum);
    if (!ino) {
      ADD_FAILURE() << image_path << ": bad inode " << e.inum;
      return std::nullopt;
    }
    uint64_t size = ino->size;
    if (e.inum == fsimage::kRootInum)
      size += 16u * extra_root_entries; // "." and ".."
    std::string name = e.name;
    if (name.size() < fsimage::kDirSiz)
      name.append(fsimage::kDirSiz - name.size(), ' ');
    out += name + " " + std::to_string(ino->type) + " " + std::to_string(e.inum) + " " +
           std::to_string(size) + "\n";
  }
  return out;
}

} // namespace lazyv6::systest
