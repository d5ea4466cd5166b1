// ngspice run in-process through Session, against analytic circuit solutions.
#include <gtest/gtest.h>

#include <cmath>

#include "spice/session.hpp"

using namespace cimchar::spice;

namespace {

Session& session() {
  static Session s;  // one per process: libngspice is global state
  return s;
}

Job divider_job() {
  Job j;
  j.name = "divider";
  j.netlist = "divider\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)", "i(v1)"};
  return j;
}

}  // namespace

TEST(Session, DividerMatchesAnalytic) {
  const JobResult r = session().run(divider_job());
  ASSERT_TRUE(r.ok()) << r.message;
  // V(out) = 1 V * 3k / (1k + 3k); I(v1) = -1 V / 4k (current into the + terminal).
  EXPECT_NEAR(r.vec("v(out)").at(0), 0.75, 0.75 * 1e-9);
  EXPECT_NEAR(r.vec("i(v1)").at(0), -0.25e-3, 0.25e-3 * 1e-9);
  EXPECT_TRUE(r.aid.empty());
}

TEST(Session, InfoComesFromTheLibrary) {
  const NgspiceInfo& i = session().info();
  EXPECT_EQ(i.version.rfind("ngspice-", 0), 0u) << i.version;
  EXPECT_FALSE(i.build_date.empty());
}

TEST(Session, SyntaxErrorNamesTheLine) {
  Job j = divider_job();
  j.netlist = "bad\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k foo\n.end\n";
  const JobResult r = session().run(j);
  EXPECT_EQ(r.status, Status::bad_netlist);
  EXPECT_NE(r.message.find("line 4: r2 out 0 3k foo"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("unknown parameter (foo)"), std::string::npos) << r.message;
  EXPECT_FALSE(r.stderr_lines.empty());
  // The session is still usable afterwards.
  EXPECT_TRUE(session().run(divider_job()).ok());
}
