from zikao_kit.graphiql.assets import main

main()
