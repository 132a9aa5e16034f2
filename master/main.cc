// Program entry (placeholder until the command line and master land).
int main() { return 0; }
