#ifndef ACTIVITY_CXLSXWRITER_SHIM_H
#define ACTIVITY_CXLSXWRITER_SHIM_H
// libxlsxwriter from Debian's libxlsxwriter-dev: writes the XLSX exports (sheets, frozen panes,
// number formats, fills). No variadic calls are used, so no wrappers are needed here.
#include <xlsxwriter.h>
#endif
