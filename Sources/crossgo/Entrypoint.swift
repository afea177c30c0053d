// The crossgo executable: everything lives in CrossGoCLI.
import CrossGoCLI
import CrossGoKit

@main
struct Entrypoint {
    static func main() async {
        Trace.begin()
        // On the main thread until here: --version and the quick commands stay on it; the rest goes to the pool.
        if CrossGo.startHere() { return }
        await CrossGo.start()
    }
}
