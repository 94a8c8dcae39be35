// serve/dashboard_page.h: the dashboard `kascade serve` answers at GET / (serve/dashboard.html, built in).
#pragma once

#include <string_view>

namespace kascade {

std::string_view dashboard_page();

}  // namespace kascade
