config check faultline.example.yml
