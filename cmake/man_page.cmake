# Writes the manual page hitcounter(1) from the program's own --help output (issue 18), so that
# the page cannot drift from the flags. Run in script mode at build time:
#   cmake -DHITCOUNTER=BINARY -DTEMPLATE=hitcounter.1.in -DVERSION=X.Y.Z -DOUTPUT=hitcounter.1
#         -P man_page.cmake
#
# Why this script rather than help2man: help2man reads one --help output, the top-level one,
# whose only content is the list of subcommands; the flags an operator needs are in
# `hitcounter serve --help` (and stats, create-table), so its page would miss them, or it would
# take one page per subcommand through wrapper scripts. This script runs every subcommand's
# --help, renders each flag as a roff .TP entry, gathers the "(Env:...)" notes into an
# ENVIRONMENT section, and adds the prose of TEMPLATE (FILES, SIGNALS, ...), with no new
# package. It knows CLI11's layout (an option line starts with "  -"; its description follows
# after two or more spaces, or on lines indented further) and stops with an error on a line it
# cannot place, so a change of layout fails the build instead of garbling the page.
#
# The date is the build's (SOURCE_DATE_EPOCH, when set, makes it reproducible).

cmake_minimum_required(VERSION 3.25)

foreach(variable HITCOUNTER TEMPLATE VERSION OUTPUT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "man_page.cmake: -D${variable}=... is required")
  endif()
endforeach()

# CMake lists split on ';' and treat '[' ']' as grouping: help text holds all three, so they
# travel as placeholder bytes while the text is a list, and return in Roff().
string(ASCII 1 kSemicolon)
string(ASCII 2 kOpenBracket)
string(ASCII 3 kCloseBracket)

# Runs `hitcounter ARGS... --help` and sets `out_lines` to its lines (placeholders in).
function(HelpLines out_lines)
  execute_process(
    COMMAND ${HITCOUNTER} ${ARGN} --help
    OUTPUT_VARIABLE text
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "man_page.cmake: `hitcounter ${ARGN} --help` exited ${result}")
  endif()
  string(REPLACE ";" "${kSemicolon}" text "${text}")
  string(REPLACE "[" "${kOpenBracket}" text "${text}")
  string(REPLACE "]" "${kCloseBracket}" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(${out_lines} "${lines}" PARENT_SCOPE)
endfunction()

# Text -> roff: backslashes escaped, every '-' a minus sign (so that flags copied from the page
# work), a leading '.' or '\'' made literal, placeholders back to what they stand for.
function(Roff out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "^([.'])" "\\\\&\\1" text "${text}")
  string(REPLACE "${kSemicolon}" ";" text "${text}")
  string(REPLACE "${kOpenBracket}" "[" text "${text}")
  string(REPLACE "${kCloseBracket}" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Renders one option entry: its names in bold, the rest of its first column (type, default,
# exclusions) in italics, its description, and the environment variable it reads.
function(RenderOption out spec description)
  set(environment "")
  if(spec MATCHES "^(.*) \\(Env:([A-Za-z0-9_]+)\\)(.*)$")
    set(environment "${CMAKE_MATCH_2}")
    set(spec "${CMAKE_MATCH_1}${CMAKE_MATCH_3}")
  endif()
  if(NOT description MATCHES "[.!?]$")
    string(APPEND description ".")
  endif()
  if(spec MATCHES "^(.*) Excludes: (.*)$")
    set(spec "${CMAKE_MATCH_1}")
    string(APPEND description " Not with ${CMAKE_MATCH_2}.")
  endif()
  string(REGEX MATCH "^[^ ]+" names "${spec}")
  string(LENGTH "${names}" names_length)
  string(SUBSTRING "${spec}" ${names_length} -1 rest)
  string(STRIP "${rest}" rest)
  string(REPLACE "," ", " names "${names}")  # "-h,--help" -> "-h, --help"
  Roff(names "${names}")
  Roff(rest "${rest}")
  Roff(description "${description}")
  set(entry ".TP\n\\fB${names}\\fR")
  if(NOT rest STREQUAL "")
    string(APPEND entry " \\fI${rest}\\fR")
  endif()
  string(APPEND entry "\n${description}\n")
  if(NOT environment STREQUAL "")
    Roff(environment_text "${environment}")
    string(APPEND entry "Environment: \\fB${environment_text}\\fR.\n")
  endif()
  set(${out} "${entry}" PARENT_SCOPE)
  set(option_environment "${environment}" PARENT_SCOPE)
  set(option_names "${names}" PARENT_SCOPE)
endfunction()

# Top level: the one-line description and the subcommands with their summaries.
HelpLines(top)
list(GET top 0 summary)
string(REGEX REPLACE "^hitcounter: " "" summary "${summary}")
set(subcommands "")
set(section "")
foreach(line IN LISTS top)
  if(line MATCHES "^([A-Za-z]+):$")
    set(section "${CMAKE_MATCH_1}")
  elseif(section STREQUAL "Subcommands" AND line MATCHES "^  ([a-z][a-z-]*)  +")
    list(APPEND subcommands "${CMAKE_MATCH_1}")
  endif()
endforeach()
if(subcommands STREQUAL "")
  message(FATAL_ERROR "man_page.cmake: no subcommands found in `hitcounter --help`")
endif()

# Each subcommand: a SYNOPSIS line and a subsection of COMMANDS with its options.
set(synopsis "")
set(commands "")
set(environment_entries "")
set(environment_seen "")
foreach(subcommand IN LISTS subcommands)
  HelpLines(help ${subcommand})
  list(GET help 0 description)
  Roff(roff_subcommand "${subcommand}")
  string(APPEND synopsis ".B hitcounter ${roff_subcommand}\n[\\fIOPTIONS\\fR]\n.br\n")
  Roff(description "${description}")
  string(APPEND commands ".SS \"hitcounter ${roff_subcommand} [OPTIONS]\"\n${description}.\n")

  # Options: each entry is a spec, then its description (same line or continuation lines).
  set(section "")
  set(spec "")
  set(text "")
  list(APPEND help "")  # a blank line ends the last entry
  foreach(line IN LISTS help)
    if(NOT spec STREQUAL "" AND (line MATCHES "^  -" OR NOT line MATCHES "^   +[^ ]"))
      RenderOption(entry "${spec}" "${text}")
      string(APPEND commands "${entry}")
      if(NOT option_environment STREQUAL "" AND NOT option_environment IN_LIST environment_seen)
        list(APPEND environment_seen "${option_environment}")
        Roff(roff_environment "${option_environment}")
        string(APPEND environment_entries
               ".TP\n\\fB${roff_environment}\\fR\nAs \\fB${option_names}\\fR.\n")
      endif()
      set(spec "")
      set(text "")
    endif()
    if(line MATCHES "^([A-Za-z]+):$")
      set(section "${CMAKE_MATCH_1}")
    elseif(section STREQUAL "Options" AND line MATCHES "^  (-.*)$")
      # The first run of two spaces ends the spec; the description, if any, follows it.
      set(spec "${CMAKE_MATCH_1}")
      string(FIND "${spec}" "  " gap)
      if(gap GREATER 0)
        string(SUBSTRING "${spec}" ${gap} -1 text)
        string(STRIP "${text}" text)
        string(SUBSTRING "${spec}" 0 ${gap} spec)
      endif()
    elseif(NOT spec STREQUAL "" AND line MATCHES "^   +([^ ].*)$")
      string(STRIP "${text} ${CMAKE_MATCH_1}" text)
    elseif(section STREQUAL "Options" AND NOT line STREQUAL "")
      message(FATAL_ERROR "man_page.cmake: `hitcounter ${subcommand} --help`: cannot place "
                          "this line: \"${line}\"")
    endif()
  endforeach()
endforeach()

string(TIMESTAMP DATE "%Y-%m-%d" UTC)
Roff(SUMMARY "${summary}")
set(SYNOPSIS "${synopsis}")
set(COMMANDS "${commands}")
set(ENVIRONMENT "${environment_entries}")
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
