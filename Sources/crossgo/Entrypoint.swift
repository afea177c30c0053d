// The crossgo executable: everything lives in CrossGoCLI.
import CrossGoCLI
import CrossGoKit

@main
struct Entrypoint {
    static func main() async {
        Trace.begin()
        await CrossGo.start()
    }
}
