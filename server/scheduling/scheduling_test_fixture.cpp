// The fixture is header-only; this unit checks that the header stands alone.
#include "server/scheduling/scheduling_test_fixture.h"
