// Separate compilation of Asio, Asio's TLS and Beast: their definitions are compiled here
// once, instead of in every file that includes them (BOOST_*_SEPARATE_COMPILATION is set
// for all our targets in the top-level CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
