#include "flows/stage_scope.hpp"

#include <cstdarg>
#include <cstdio>

#include "core/provenance.hpp"
#include "core/ranks.hpp"
#include "core/rng.hpp"
#include "flows/monte_carlo.hpp"

namespace cimchar::flows {

namespace {
void emit(bool on, FILE* to, const char* fmt, va_list ap) {
  if (on) std::vfprintf(to, fmt, ap);
}
}  // namespace

#define CIMCHAR_SINK_EMIT(on, to)  \
  va_list ap;                      \
  va_start(ap, fmt);               \
  emit(on, to, fmt, ap);           \
  va_end(ap)

void Sink::print(const char* fmt, ...) const { CIMCHAR_SINK_EMIT(on_, stdout); }
void Sink::note(const char* fmt, ...) const { CIMCHAR_SINK_EMIT(on_, stderr); }
void Sink::notice(const char* fmt, ...) const { CIMCHAR_SINK_EMIT(notices_, stderr); }

#undef CIMCHAR_SINK_EMIT

namespace {

uint64_t mix(uint64_t h, const std::string& s) {
  for (unsigned char c : s) h = splitmix64(h ^ c);
  return splitmix64(h ^ s.size());
}

}  // namespace

uint64_t stage_run_id(const std::string& stage, const RunContext& ctx) {
  uint64_t h = splitmix64(0x5354414745ULL ^ ctx.seed);
  h = mix(h, stage);
  h = mix(h, ctx.config_text);
  h = mix(h, cimchar_version());
  return mix(h, cimchar_git_hash());
}

StageScope::StageScope(std::string stage, const RunContext& ctx)
    : stage_(std::move(stage)),
      ctx_(ctx),
      root_(ranks().root()),
      sink_(root_ && ctx.text, root_),
      run_id_(stage_run_id(stage_, ctx)) {
  std::error_code ec;
  std::filesystem::create_directories(ctx_.out_dir, ec);
}

StageScope::~StageScope() = default;

spice::WorkerPool& StageScope::pool() {
  if (!pool_) {
    spice::PoolOptions po;
    po.workers = ctx_.jobs;
    po.library = ctx_.ngspice_library;
    po.progress = ctx_.progress && root_;
    po.progress_label = stage_;
    if (ctx_.job_timeout_s > 0) po.default_timeout_s = ctx_.job_timeout_s;
    if (ctx_.stall_timeout_s >= 0) po.stall_s = ctx_.stall_timeout_s;
    pool_ = std::make_unique<spice::WorkerPool>(po);
  }
  return *pool_;
}

std::string StageScope::ngspice_version() { return pool_ ? pool_->info().version : ""; }

std::filesystem::path StageScope::journal(const std::string& part) {
  parts_.push_back(ctx_.out_dir / (stage_ + ".journal." + part));
  return parts_.back();
}

void StageScope::report_resumed(size_t reused, size_t total, const char* what) const {
  if (ctx_.resume)
    sink_.notice("%s: resumed, %zu of %zu %s taken from %s\n", stage_.c_str(), reused, total, what,
               journal().c_str());
}

void StageScope::report_resumed(const spice::JobJournal& journal) const {
  if (ctx_.resume)
    sink_.notice("%s: resumed, %zu ngspice jobs taken from %s, %zu run\n", stage_.c_str(),
               journal.reused, journal.path().c_str(), journal.computed);
}

std::filesystem::path StageScope::write(const std::function<void(H5Writer&)>& fill,
                                        const std::filesystem::path& to) {
  const auto path = to.empty() ? output() : to;
  if (root_) {
    const std::string version = ngspice_version();
    H5Writer out(path);
    write_provenance(out, {ctx_.config_text, ctx_.seed, version});
    fill(out);
    out.commit();
  }
  std::vector<std::filesystem::path> journals = parts_;
  journals.push_back(journal());
  for (const auto& j : journals) {
    if (ctx_.sharded) {
      release_journal(j);  // waits for every rank, then removes this rank's journal
    } else {
      std::error_code ec;
      std::filesystem::remove(j, ec);
    }
  }
  return path;
}

}  // namespace cimchar::flows
