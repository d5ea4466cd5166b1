// Placeholder until the worker pool lands.
#include "spice/pool.hpp"
