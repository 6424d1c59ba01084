# Read by CPack at packaging time (CPACK_PROJECT_CONFIG_FILE): the components
# of this run, so scripts/build-packages.sh can build the agent package before
# the server package that carries it.
if(DEFINED ENV{RMGR_CPACK_COMPONENTS})
  set(CPACK_COMPONENTS_ALL $ENV{RMGR_CPACK_COMPONENTS})
endif()
