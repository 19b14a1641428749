#ifndef VIGIL_CPCRE2_SHIM_H
#define VIGIL_CPCRE2_SHIM_H
// PCRE2's functions are macros over the code-unit width (pcre2_compile -> pcre2_compile_8); Swift
// imports no function-like macros, so these wrappers name the 8-bit library's calls.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <stddef.h>
#include <stdint.h>
#include <pcre2.h>

/// Compiles UTF-8 `pattern` with Unicode properties for \d \w \s (as Swift's Regex reads them).
static inline pcre2_code *vigil_pcre2_compile(const char *pattern, size_t length, int *error, size_t *offset) {
    return pcre2_compile((PCRE2_SPTR)pattern, length, PCRE2_UTF | PCRE2_UCP, error, offset, NULL);
}

/// 0 when the JIT compiled the pattern; matching falls back to the interpreter otherwise.
static inline int vigil_pcre2_jit_compile(pcre2_code *code) { return pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); }

static inline void vigil_pcre2_code_free(pcre2_code *code) { pcre2_code_free(code); }

static inline pcre2_match_data *vigil_pcre2_match_data_create(const pcre2_code *code) {
    return pcre2_match_data_create_from_pattern(code, NULL);
}

static inline void vigil_pcre2_match_data_free(pcre2_match_data *data) { pcre2_match_data_free(data); }

/// Matches valid UTF-8 `subject` (Swift strings always are, so the check is skipped); returns the
/// number of groups set, PCRE2_ERROR_NOMATCH (-1), or another negative error.
static inline int vigil_pcre2_match(const pcre2_code *code, const char *subject, size_t length, pcre2_match_data *data) {
    return pcre2_match(code, (PCRE2_SPTR)subject, length, 0, PCRE2_NO_UTF_CHECK, data, NULL);
}

static inline const size_t *vigil_pcre2_ovector(pcre2_match_data *data) { return pcre2_get_ovector_pointer(data); }

static inline size_t vigil_pcre2_unset(void) { return PCRE2_UNSET; }

static inline int vigil_pcre2_error_nomatch(void) { return PCRE2_ERROR_NOMATCH; }

static inline int vigil_pcre2_error_message(int error, char *buffer, size_t size) {
    return pcre2_get_error_message(error, (PCRE2_UCHAR *)buffer, size);
}

static inline uint32_t vigil_pcre2_info_u32(const pcre2_code *code, uint32_t what) {
    uint32_t value = 0;
    pcre2_pattern_info(code, what, &value);
    return value;
}

static inline uint32_t vigil_pcre2_capture_count(const pcre2_code *code) { return vigil_pcre2_info_u32(code, PCRE2_INFO_CAPTURECOUNT); }
static inline uint32_t vigil_pcre2_name_count(const pcre2_code *code) { return vigil_pcre2_info_u32(code, PCRE2_INFO_NAMECOUNT); }
static inline uint32_t vigil_pcre2_name_entry_size(const pcre2_code *code) { return vigil_pcre2_info_u32(code, PCRE2_INFO_NAMEENTRYSIZE); }

/// The name table: entries of `vigil_pcre2_name_entry_size` bytes, a big-endian group number then the
/// zero-terminated name.
static inline const unsigned char *vigil_pcre2_name_table(const pcre2_code *code) {
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
    return table;
}
#endif
