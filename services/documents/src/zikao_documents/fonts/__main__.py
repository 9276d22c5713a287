from zikao_documents.fonts import main

main()
