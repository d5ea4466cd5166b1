// libFuzzer's FuzzedDataProvider (a header of Debian's libclang-rt-14-dev). Under clang it is on
// the include path; the corpus replay of the default suite (tests/fuzz) builds with gcc and names
// the header by its full path, since clang's include folder would shadow gcc's own headers.
#pragma once
#ifdef CIMCHAR_FUZZED_DATA_PROVIDER
#include CIMCHAR_FUZZED_DATA_PROVIDER
#else
#include <fuzzer/FuzzedDataProvider.h>
#endif
