// restic-manager: the operator CLI. Everything lives in rmgr_cli.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return rmgr::cli::RunCli(args, std::cout, std::cerr);
}
