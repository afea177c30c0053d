// The crossgo executable: everything lives in CrossGoCLI.
import CrossGoCLI

@main
struct Entrypoint {
    static func main() async {
        await CrossGo.main()
    }
}
