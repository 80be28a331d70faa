fn main() {
    osdgate_console::start();
}
