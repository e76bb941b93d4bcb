# check_deb.cmake: builds the Debian package with `cpack -G DEB` into a
# temporary directory, lists it with `dpkg-deb -c` and checks that it holds
# what docs/operations.md ("Install as a Debian service") promises:
#  - logd in /usr/sbin, credlog in /usr/bin, both executable;
#  - their man pages, gzip'ed, in man8 and man1, and each man page names
#    every flag the program's --help names (logd --help, credlog <command>
#    --help for every command `credlog --help` lists);
#  - the four systemd units in /usr/lib/systemd/system, naming the binaries
#    where the package puts them; `systemd-analyze verify` finds nothing
#    wrong with them, and `systemd-analyze security` rates each service's
#    exposure no worse than OK;
#  - the copyright file, the nginx cache's example configuration byte for
#    byte as contrib/nginx/credlog.conf, and Depends naming the libraries'
#    packages.
# Run by CTest (tests/CMakeLists.txt) as
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DCPACK=... -P check_deb.cmake
# It needs cmake's cpack, dpkg-deb and systemd-analyze (scripts/deps.sh
# test installs systemd) and fails, never skips, without them.
cmake_minimum_required(VERSION 3.25)

set(failures 0)
macro(fail)
  message(SEND_ERROR "FAIL: ${ARGN}")
  math(EXPR failures "${failures} + 1")
endmacro()
macro(pass what)
  message(STATUS "ok: ${what}")
endmacro()

foreach(tool dpkg-deb systemd-analyze gzip)
  find_program(TOOL_${tool} ${tool})
  if(NOT TOOL_${tool})
    message(FATAL_ERROR "${tool} is missing (scripts/deps.sh test installs it)")
  endif()
endforeach()

string(RANDOM LENGTH 8 tag)
set(tmp "$ENV{TMPDIR}")
if(tmp STREQUAL "")
  set(tmp /tmp)
endif()
set(work "${tmp}/credlog-deb-${tag}")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

# 1. The package.
execute_process(COMMAND ${CPACK} -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${work}/out"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(GLOB debs "${work}/out/*.deb")
list(LENGTH debs ndebs)
if(NOT rc EQUAL 0 OR NOT ndebs EQUAL 1)
  file(REMOVE_RECURSE "${work}")
  message(FATAL_ERROR "cpack -G DEB failed (${rc}), or made ${ndebs} packages:\n${out}")
endif()
list(GET debs 0 deb)
pass("cpack made ${deb}")

# 2. Its contents, as dpkg-deb lists them.
execute_process(COMMAND ${TOOL_dpkg-deb} -c "${deb}" RESULT_VARIABLE rc OUTPUT_VARIABLE listing)
if(NOT rc EQUAL 0)
  fail("dpkg-deb -c ${deb}")
endif()
foreach(want
    "-rwxr-xr-x ./usr/sbin/logd"
    "-rwxr-xr-x ./usr/bin/credlog"
    "-rw-r--r-- ./usr/share/man/man8/logd.8.gz"
    "-rw-r--r-- ./usr/share/man/man1/credlog.1.gz"
    "-rw-r--r-- ./usr/lib/systemd/system/logd.service"
    "-rw-r--r-- ./usr/lib/systemd/system/credlog-witness.service"
    "-rw-r--r-- ./usr/lib/systemd/system/credlog-monitor.service"
    "-rw-r--r-- ./usr/lib/systemd/system/credlog-monitor.timer"
    "-rw-r--r-- ./usr/share/doc/credlog/copyright"
    "-rw-r--r-- ./usr/share/doc/credlog/operations.md"
    "-rw-r--r-- ./usr/share/doc/credlog/examples/nginx/credlog.conf")
  string(REPLACE " " ";" parts "${want}")
  list(GET parts 0 mode)
  list(GET parts 1 path)
  string(REGEX REPLACE "([.+-])" "[\\1]" path_re "${path}")
  string(REGEX REPLACE "([.+-])" "[\\1]" mode_re "${mode}")
  # CMake's ^ and $ are the whole string's: lines are told by \n.
  string(REGEX MATCH "(^|\n)${mode_re} root/root [^\n]* ${path_re}(\n|$)" hit "${listing}")
  string(STRIP "${hit}" hit)
  if(hit STREQUAL "")
    fail("the package lacks ${path}, mode ${mode}, owned by root")
  else()
    pass("${hit}")
  endif()
endforeach()
foreach(never "/usr/local/" "[.]a(\n|$)" "/include/" "/test_")
  string(REGEX MATCH "[^\n]*${never}[^\n]*" hit "${listing}")
  if(NOT hit STREQUAL "")
    fail("the package holds what it should not: ${hit}")
  endif()
endforeach()
execute_process(COMMAND ${TOOL_dpkg-deb} -f "${deb}" Package Depends OUTPUT_VARIABLE fields)
foreach(lib "Package: credlog" libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 libssl3 liblmdb0 libjansson4)
  string(FIND "${fields}" "${lib}" at)
  if(at LESS 0)
    fail("the control fields lack ${lib}: ${fields}")
  endif()
endforeach()

# 3. Unpacked: the man pages name every flag of every --help.
set(root "${work}/root")
execute_process(COMMAND ${TOOL_dpkg-deb} -x "${deb}" "${root}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  fail("dpkg-deb -x")
endif()
# The nginx example is the file test_nginx.c runs, unchanged.
file(READ "${SOURCE_DIR}/contrib/nginx/credlog.conf" want_conf)
set(got_conf "")
if(EXISTS "${root}/usr/share/doc/credlog/examples/nginx/credlog.conf")
  file(READ "${root}/usr/share/doc/credlog/examples/nginx/credlog.conf" got_conf)
endif()
if(got_conf STREQUAL want_conf)
  pass("examples/nginx/credlog.conf is contrib/nginx/credlog.conf")
else()
  fail("examples/nginx/credlog.conf differs from contrib/nginx/credlog.conf")
endif()
function(man_text page outvar)
  execute_process(COMMAND ${TOOL_gzip} -dc "${root}/usr/share/man/${page}" OUTPUT_VARIABLE text)
  string(REPLACE "\\-" "-" text "${text}")
  set(${outvar} "${text}" PARENT_SCOPE)
endfunction()
function(check_flags program page)
  man_text(${page} text)
  execute_process(COMMAND ${ARGN} --help OUTPUT_VARIABLE help ERROR_VARIABLE help)
  string(REGEX MATCHALL "--[a-z][a-z0-9-]*[a-z0-9]" flags "${help}")
  list(REMOVE_DUPLICATES flags)
  list(LENGTH flags n)
  if(n EQUAL 0)
    fail("${program} --help names no flag")
  endif()
  foreach(f ${flags})
    string(REGEX MATCH "${f}([^a-z0-9-]|$)" hit "${text}")
    if(hit STREQUAL "")
      fail("${page} does not describe ${program}'s ${f}")
    endif()
  endforeach()
  pass("${page} names the ${n} flags of ${program} --help")
endfunction()
check_flags(logd man8/logd.8.gz "${root}/usr/sbin/logd")
execute_process(COMMAND "${root}/usr/bin/credlog" --help OUTPUT_VARIABLE help)
string(REGEX MATCHALL "\n  [a-z]+ " commands "${help}")
list(LENGTH commands ncommands)
if(ncommands LESS 9)
  fail("credlog --help lists only ${ncommands} commands")
endif()
man_text(man1/credlog.1.gz credlog_man)
foreach(c ${commands})
  string(STRIP "${c}" c)
  string(FIND "${credlog_man}" ".SS ${c}\n" at)
  if(at LESS 0)
    fail("credlog.1 has no section for the command ${c}")
  endif()
  check_flags("credlog ${c}" man1/credlog.1.gz "${root}/usr/bin/credlog" ${c})
endforeach()

# 4. The units: verified against the unpacked tree (with the few targets
# they name, from the host), and rated by systemd-analyze security.
set(unitdir "${root}/usr/lib/systemd/system")
file(MAKE_DIRECTORY "${root}/lib/systemd/system" "${root}/bin")
foreach(t sysinit basic shutdown network-online multi-user timers)
  file(COPY "/lib/systemd/system/${t}.target" DESTINATION "${root}/lib/systemd/system")
endforeach()
file(COPY /bin/kill DESTINATION "${root}/bin")
set(units "${unitdir}/logd.service" "${unitdir}/credlog-witness.service"
          "${unitdir}/credlog-monitor.service" "${unitdir}/credlog-monitor.timer")
execute_process(COMMAND ${TOOL_systemd-analyze} verify --root=${root} --man=no ${units}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "")
  fail("systemd-analyze verify (${rc}):\n${out}")
else()
  pass("systemd-analyze verify: clean")
endif()
foreach(u logd credlog-witness credlog-monitor)
  file(READ "${unitdir}/${u}.service" text)
  if(NOT text MATCHES "\nExecStart=/usr/s?bin/(logd|credlog) ")
    fail("${u}.service does not start /usr/sbin/logd or /usr/bin/credlog")
  endif()
  execute_process(COMMAND ${TOOL_systemd-analyze} security --offline=yes --root=${root}
                          "${unitdir}/${u}.service"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REGEX MATCH "Overall exposure level for ${u}.service: ([0-9.]+) ([A-Z]+)" line "${out}")
  if(NOT rc EQUAL 0 OR NOT CMAKE_MATCH_2 MATCHES "^(PERFECT|SAFE|OK)$")
    fail("systemd-analyze security ${u}.service (${rc}): ${line}\n${out}")
  else()
    pass("${line}")
  endif()
endforeach()

file(REMOVE_RECURSE "${work}")
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} failed")
endif()
message(STATUS "all passed")
