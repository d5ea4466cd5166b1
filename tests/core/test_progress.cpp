// Progress lines: the ETA from the completed fraction of the work (not the item count), and
// lines that fit the terminal at any width, labels shortened rather than wrapped.
#include <gtest/gtest.h>

#include "core/progress.hpp"

using namespace cimchar;

TEST(Progress, EtaFromTheFractionOfTheWork) {
  EXPECT_DOUBLE_EQ(progress_eta(0.25, 3.0), 9.0);  // a quarter in 3 s: 9 s to go
  EXPECT_DOUBLE_EQ(progress_eta(1.0, 3.0), 0.0);
  EXPECT_DOUBLE_EQ(progress_eta(0.0, 3.0), 0.0);   // nothing done yet: no estimate
}

TEST(Progress, LinesFitTheTerminal) {
  ProgressState s;
  s.label = "variation: ngspice Monte Carlo of the 1T1R array at every corner and bias";
  s.done = 123;
  s.total = 4096;
  s.fraction = 0.5;
  s.elapsed_s = 7.7;
  for (int width : {40, 60, 80, 102, 200}) {
    for (bool tty : {true, false}) {
      const std::string line = progress_line(s, width, tty);
      EXPECT_LE(line.size(), static_cast<size_t>(width - 1)) << width << " " << line;
      EXPECT_NE(line.find("123/4096"), std::string::npos) << line;
      EXPECT_NE(line.find("~7.7s left"), std::string::npos) << line;  // half done in 7.7 s
    }
  }
  // On a wide terminal the whole label and a 30-character bar, half filled by the work done.
  const std::string wide = progress_line(s, 200, true);
  EXPECT_EQ(wide.rfind(s.label, 0), 0u) << wide;
  EXPECT_NE(wide.find("[" + std::string(15, '#') + std::string(15, '.') + "]"), std::string::npos) << wide;
  // A log line says done and elapsed in words; the final line has no ETA.
  s.final = true;
  const std::string log = progress_line(s, 80, false);
  EXPECT_NE(log.find("123/4096 done, 7.7s elapsed"), std::string::npos) << log;
  EXPECT_EQ(log.find("left"), std::string::npos) << log;
}
